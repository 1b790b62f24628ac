"""Generate one Python module per content version: the request path as straight-line code.

One function reads the context, scores every cause and checks red flags and plausibility in
one pass; one writer per cause and locale writes the cause an answer shows. The source is
registered with `linecache` (as attrs does), so tracebacks, `inspect` and debuggers show real
lines. Only validated content reaches here, and every value but a finite number is bound as a
named constant, never spliced into the source as text.
"""

from __future__ import annotations

import hashlib
import json
import linecache
import math
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from app.rules.bundle import Condition
from app.rules.compiler import RAMP_OPS, CompiledRedFlag, CompiledRuleset
from app.rules.derived import add_derived
from app.rules.fields import KNOWN_FIELDS, SECTION_FIELDS, FieldKind
from app.rules.plausibility import CHECKS, PlausibilityCheck

SHOWN_SCALE = 1000.0  # answers show contributions and scores to 3 decimals


class ContextResult(NamedTuple):
    """What `evaluate_context` makes of one context: everything decided before any text."""

    values: dict[str, Any]  # provided inputs by path (SI units) plus the derived values
    given: dict[str, dict[str, Any]]  # the provided inputs by section, as the answer echoes
    logits: list[float]  # per cause, in bundle order
    conditions: tuple[float, ...]  # each distinct condition's activation (see condition_index)
    red_flags: list[CompiledRedFlag]  # fired, most severe first
    implausible: list[PlausibilityCheck]  # tripped, in declaration order
    present: int  # the provided inputs as a bit mask (see `input_bits`)


ContextEvaluator = Callable[[Any], ContextResult]
InputScorer = Callable[[Mapping[str, Any]], list[float]]
"""(input values by path) -> each cause's logit, in bundle order."""
CauseWriter = Callable[[Mapping[str, Any], tuple[float, ...], int, int, float, list[str]], Any]
"""(flat values, condition results, provided mask, rank, score, fallen text keys) -> the cause
as answer data; a writer of a partly translated locale adds the keys of its fallen texts."""


@dataclass(frozen=True, slots=True)
class WriterTexts:
    """The texts one cause writer puts in place, in one locale."""

    heading: Mapping[str, str]  # the cause's id, title, summary and explanation
    messages: Sequence[str]  # per signal, its evidence message
    fallen_cause: str | None  # the cause's fallback key when its text is not in this locale
    fallen_signals: Sequence[str | None]  # per signal, its fallback key (None: translated)


def condition_key(condition: Condition) -> str:
    """A condition's identity: equal conditions are tested once and share one result."""
    return json.dumps([condition.field, condition.op, condition.value], sort_keys=True)


def input_bits() -> dict[str, int]:
    """Each input field's bit in the mask of provided inputs, in schema order: a cause's
    confidence is then one `&` and a bit count."""
    paths = [path for _, fields in SECTION_FIELDS for _, path in fields]
    return {path: 1 << position for position, path in enumerate(paths)}


class _ModuleSource:
    """The source of one generated module and the constants its functions refer to."""

    def __init__(self) -> None:
        self.functions: list[str] = []
        self.constants: dict[str, Any] = {}

    def constant(self, value: Any) -> str:
        """How code refers to `value`: a finite number as its literal (a constant load, where
        a name would be a global lookup on every use), anything else by a name."""
        if type(value) in (int, float) and math.isfinite(value):
            return repr(value)  # repr round-trips a float exactly
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        return name


class _Function:
    """One generated function: its body lines, the fields it reads and the conditions it tests
    (each read or tested once, into a local)."""

    def __init__(self, module: _ModuleSource) -> None:
        self.module = module
        self.lines: list[str] = []
        self.field_locals: dict[str, str] = {}
        self.condition_lines: list[str] = []
        self.condition_locals: dict[str, str] = {}
        # section -> (local, line) of the conditions that read only that section's inputs
        self.section_conditions: dict[str, list[tuple[str, str]]] = {}

    def constant(self, value: Any) -> str:
        return self.module.constant(value)

    def field(self, path: str) -> str:
        if path not in self.field_locals:
            self.field_locals[path] = f"_f{len(self.field_locals)}"
        return self.field_locals[path]

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def condition(self, condition: Condition) -> str:
        """The local holding the condition's activation: 1.0 or 0.0 for a plain test, a
        float in [0, 1] for a ramp (floats either way, so sums are float arithmetic)."""
        key = condition_key(condition)
        if key not in self.condition_locals:
            name = f"_c{len(self.condition_locals)}"
            guard, activation = self._guard_and_value(condition)
            line = f"{name} = {activation} if {guard} else 0.0"
            section = _only_section(condition.field)
            if section is None:
                self.condition_lines.append("    " + line)
            else:
                self.section_conditions.setdefault(section, []).append((name, line))
            self.condition_locals[key] = name
        return self.condition_locals[key]

    def guarded_condition_lines(self, bits: Mapping[str, int]) -> list[str]:
        """The conditions on one optional section, tested only when the request gave some of
        its fields: every condition is 0.0 when its inputs are missing, so a whole section
        left out (health, intake: most requests) costs one test instead of one per condition."""
        lines: list[str] = []
        for section, conditions in self.section_conditions.items():
            mask = 0
            for path, bit in bits.items():
                if path.startswith(section + "."):
                    mask |= bit
            lines.append(f"    if present & {mask}:")
            lines += [f"        {line}" for _, line in conditions]
            lines.append("    else:")
            lines.append(f"        {' = '.join(name for name, _ in conditions)} = 0.0")
        return lines

    def _guard_and_value(self, condition: Condition) -> tuple[str, str]:
        """(a test that is true when the condition holds at all, its activation then)."""
        op, value = condition.op, condition.value
        path_name = self.constant(condition.field)
        x = self.field(condition.field)
        if op == "present":
            return f"{path_name} in flat", "1.0"
        if op == "true":
            return f"{x} is True", "1.0"
        if op == "false":
            return f"{x} is False", "1.0"
        if op == "eq":
            return f"{x} is not None and {x} == {self.constant(value)}", "1.0"
        if op == "in":
            return f"{x} in {self.constant(frozenset(value))}", "1.0"  # type: ignore[arg-type]
        # A list field is read once into its local, like any field: many conditions test
        # the symptom words, and a lookup each was a tenth of the evaluator's time.
        if op == "contains":
            return f"{x} is not None and {self.constant(value)} in {x}", "1.0"
        if op == "contains_any":
            wanted = self.constant(frozenset(value))  # type: ignore[arg-type]
            return f"{x} is not None and not {wanted}.isdisjoint({x})", "1.0"
        comparisons = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<"}
        if op in comparisons:
            return f"{x} is not None and {x} {comparisons[op]} {self.constant(value)}", "1.0"
        assert isinstance(value, list)
        if op == "between":
            low, high = self.constant(value[0]), self.constant(value[1])
            return f"{x} is not None and {low} <= {x} <= {high}", "1.0"
        low, high = self.constant(float(value[0])), self.constant(float(value[1]))
        span = self.constant(float(value[1]) - float(value[0]))
        if op == "ramp_up":
            return (
                f"{x} is not None and {x} > {low}",
                f"(1.0 if {x} >= {high} else ({x} - {low}) / {span})",
            )
        return (  # ramp_down
            f"{x} is not None and {x} < {high}",
            f"(1.0 if {x} <= {low} else ({high} - {x}) / {span})",
        )


def _only_section(path: str) -> str | None:
    """The one optional section all of a field's inputs come from, else None (`activity` is
    always given, so guarding on it would test nothing)."""
    sections = {input_path.split(".", 1)[0] for input_path in KNOWN_FIELDS[path].inputs}
    if len(sections) != 1:
        return None
    (section,) = sections
    return None if section == "activity" else section


@dataclass(frozen=True, slots=True, weakref_slot=True)
class GeneratedRules:
    """The generated module of one version: its source, where tracebacks find it, and its
    functions."""

    filename: str
    source: str
    evaluate_context: ContextEvaluator
    score_inputs: InputScorer
    condition_index: dict[str, int]  # condition_key -> where `evaluate_context` leaves it
    input_bits: dict[str, int]
    cause_writers: dict[str, tuple[CauseWriter, ...]]  # locale -> per cause, bundle order


def generate_rules(
    ruleset: CompiledRuleset, version: int, texts: Mapping[str, Sequence[WriterTexts]]
) -> GeneratedRules:
    """Generate, compile and register the module of one version; `texts` holds, per locale,
    the texts of each cause writer in bundle order."""
    module = _ModuleSource()
    bits = input_bits()
    condition_index = _emit_evaluator(module, ruleset, bits)
    _emit_scorer(module, ruleset)
    names: dict[str, list[str]] = {}
    for locale_number, (locale, per_cause) in enumerate(texts.items()):
        names[locale] = []
        for index, (cause, cause_texts) in enumerate(zip(ruleset.causes, per_cause, strict=True)):
            name = f"write_cause_{index}_{locale_number}"  # the locale only in the comment
            _emit_cause_writer(module, name, locale, cause, cause_texts, condition_index, bits)
            names[locale].append(name)
    source = "\n\n".join(module.functions) + "\n"
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    filename = f"<tremor-guide rules v{version} {digest}>"
    namespace: dict[str, Any] = {"__name__": f"tremor_guide_rules_v{version}", **module.constants}
    # Safe: only validated content reaches here, and values are bound as named constants.
    exec(compile(source, filename, "exec"), namespace)
    generated = GeneratedRules(
        filename=filename,
        source=source,
        evaluate_context=namespace["evaluate_context"],
        score_inputs=namespace["score_inputs"],
        condition_index=condition_index,
        input_bits=bits,
        cause_writers={
            locale: tuple(namespace[name] for name in writer_names)
            for locale, writer_names in names.items()
        },
    )
    _register_source(generated)
    return generated


_LIVE: weakref.WeakValueDictionary[int, GeneratedRules] = weakref.WeakValueDictionary()


def _register_source(generated: GeneratedRules) -> None:
    """Put the source where tracebacks and `inspect` look, for as long as a module made from
    it lives (drafts are generated on every validation: their sources must not pile up)."""
    lines = generated.source.splitlines(keepends=True)
    # mtime None: `linecache.checkcache` leaves the entry alone (there is no file to check).
    linecache.cache[generated.filename] = (len(generated.source), None, lines, generated.filename)
    _LIVE[id(generated)] = generated
    weakref.finalize(generated, _unregister_source, generated.filename)


def _unregister_source(filename: str) -> None:
    if not any(live.filename == filename for live in _LIVE.values()):
        linecache.cache.pop(filename, None)


def _emit_logits(fn: _Function, ruleset: CompiledRuleset) -> None:
    """`l0, l1, ...`: each cause's logit from the conditions' locals (one emitter for the
    evaluator and for the scorer of counterfactuals, so both mean the same)."""
    for cause_index, cause in enumerate(ruleset.causes):
        terms = [repr(float(cause.prior))]
        for signal in cause.signals:
            names = [fn.condition(condition) for condition in signal.conditions]
            activation = names[0] if len(names) == 1 else f"({' * '.join(names)})"
            if signal.silenced_when:
                silencers = " or ".join(fn.condition(c) for c in signal.silenced_when)
                activation = f"({activation} * (0.0 if ({silencers}) else 1.0))"
            terms.append(f"{fn.constant(float(signal.weight))} * {activation}")
        fn.emit(1, f"l{cause_index} = {' + '.join(terms)}")


def _emit_scorer(module: _ModuleSource, ruleset: CompiledRuleset) -> None:
    """`score_inputs(inputs) -> [logit per cause]`: the logits of a flat dict of input values
    (paths, SI units), derived values added as the evaluator adds them. The conditions and
    logits are the evaluator's own emitters; only the reading differs (a dict instead of a
    validated context), so a counterfactual is scored by the rules an answer is."""
    fn = _Function(module)
    _emit_logits(fn, ruleset)
    logits = ", ".join(f"l{i}" for i in range(len(ruleset.causes)))
    fn.emit(1, f"return [{logits}]")
    header = [
        "def score_inputs(inputs):",
        "    values = dict(inputs)",
        f"    {fn.constant(add_derived)}(values)",
        "    flat = values",
        "    get = values.get",
    ]
    header += [f"    {local} = get({fn.constant(path)})" for path, local in fn.field_locals.items()]
    unguarded = [f"    {line}" for lines in fn.section_conditions.values() for _, line in lines]
    module.functions.append("\n".join(header + fn.condition_lines + unguarded + fn.lines))


def _emit_evaluator(
    module: _ModuleSource, ruleset: CompiledRuleset, bits: Mapping[str, int]
) -> dict[str, int]:
    """`evaluate_context(context) -> ContextResult`: read the validated context's sections,
    derive, score, check the red flags and the plausibility checks, in one pass.

    A cause's logit is its prior plus each signal's weight x activation, in rule order (a
    signal that does not hold adds exactly 0.0, so no branch per signal). Section and field
    names come from the schema (identifiers), never from a request or from content.
    """
    fn = _Function(module)
    _emit_logits(fn, ruleset)
    fn.emit(1, "fired = []")
    for flag in ruleset.red_flags:
        # `and`, not a product: a flag holds or not (no ramps), and most stop at the first test
        held = [fn.condition(condition) for condition in flag.conditions]
        test = " and ".join(held) or "True"
        if flag.unless:
            excused = " or ".join(fn.condition(condition) for condition in flag.unless)
            test = f"{test} and not ({excused})"
        fn.emit(1, f"if {test}:  # red flag {flag.id}")
        fn.emit(2, f"fired.append({fn.constant(flag)})")
    for tip in ruleset.tips:  # their contraindications: results for the answer builder
        for condition in tip.hidden_when:
            fn.condition(condition)
        for action in tip.actions:  # and when their actions are scheduled
            for condition in action.only_when:
                fn.condition(condition)
    fn.emit(1, "tripped = []")
    for check in CHECKS:
        name = fn.constant(check)
        if isinstance(check.test, tuple):
            path, op, limit = check.test
            assert op in ("<", ">") and isinstance(limit, float)
            x = fn.field(path)
            fn.emit(1, f"if {x} is not None and {x} {op} {limit!r}:")
        else:
            fn.emit(1, f"if {fn.constant(check.test)}(values):")
        fn.emit(2, f"tripped.append({name})")
    logits = ", ".join(f"l{i}" for i in range(len(ruleset.causes)))
    results = "".join(f"{name}, " for name in fn.condition_locals.values())
    fn.emit(
        1,
        f"return {fn.constant(ContextResult)}"
        f"(values, given, [{logits}], ({results}), fired, tripped, present)",
    )

    header = [
        "def evaluate_context(context):",
        "    values = {}",
        "    given = {}",
        "    present = 0",
    ]
    read_here = set()
    for section, fields in SECTION_FIELDS:
        assert section.isidentifier()
        # An optional section the request left out holds only None: one test skips its reads
        # (the locals that conditions use are set to None instead).
        optional = section != "activity"
        pad = "    " * (2 if optional else 1)
        if optional:
            header += [
                f"    section = context.{section}",
                "    if section.__pydantic_fields_set__:",
                f"{pad}fields = section.__dict__",
            ]
        else:
            header += [f"    fields = context.{section}.__dict__"]
        header += [f"{pad}provided = {{}}"]
        skipped: list[str] = []
        for name, path in fields:
            assert name.isidentifier() and path == f"{section}.{name}"
            local = fn.field_locals.get(path) or "value"
            header += [
                f"{pad}{local} = fields[{name!r}]",
                f"{pad}if {local} is not None:",
                f"{pad}    provided[{name!r}] = values[{path!r}] = {local}",
                f"{pad}    present |= {bits[path]}",
            ]
            if local != "value":
                read_here.add(path)
                skipped.append(local)
        header += [f"{pad}if provided:", f"{pad}    given[{section!r}] = provided"]
        if optional and skipped:
            header += ["    else:", f"        {' = '.join(skipped)} = None"]
    header += [
        f"    {fn.constant(add_derived)}(values)",
        "    flat = values",
        "    get = values.get",
    ]
    header += [
        f"    {local} = get({fn.constant(path)})"
        for path, local in fn.field_locals.items()
        if path not in read_here
    ]
    conditions = fn.condition_lines + fn.guarded_condition_lines(bits)
    module.functions.append("\n".join(header + conditions + fn.lines))
    return {key: index for index, key in enumerate(fn.condition_locals)}


def _emit_cause_writer(
    module: _ModuleSource,
    name: str,
    locale: str,
    cause: Any,
    texts: WriterTexts,
    condition_index: Mapping[str, int],
    bits: Mapping[str, int],
) -> None:
    """A function that writes one cause of an answer, in one locale, from the evaluator's work.

    It tests nothing again: a signal's activation is the product of its conditions' results as
    the evaluator left them. Evidence items are the fired signals, strongest first (rule order
    among equals); a contribution that rounds to 0 is left out. Items are copies of templates
    with their texts in place; an item a request cannot change is shared between answers.
    """
    fn = _Function(module)
    uses: dict[int, int] = {}
    for signal in cause.signals:
        for condition in (*signal.conditions, *signal.silenced_when):
            position = condition_index[condition_key(condition)]
            uses[position] = uses.get(position, 0) + 1

    def result(position: int) -> str:
        """A condition's result: read into a local when several signals test it."""
        return f"_c{position}" if uses[position] > 1 else f"conds[{position}]"

    fn.emit(1, "out = []")
    fn.emit(1, "append = out.append")
    for position, count in uses.items():
        if count > 1:
            fn.emit(1, f"_c{position} = conds[{position}]")
    for index, signal in enumerate(cause.signals):
        weight, conditions, field = signal.weight, signal.conditions, signal.evidence_field
        message = texts.messages[index]
        names = [result(condition_index[condition_key(c)]) for c in conditions]
        effect = "raises" if weight > 0 else "lowers"
        if signal.silenced_when:
            silencers = " or ".join(
                result(condition_index[condition_key(c)]) for c in signal.silenced_when
            )
            names = [*names, f"(0.0 if ({silencers}) else 1.0)"]
        elif len(conditions) == 1 and conditions[0].op not in RAMP_OPS:
            c = weight * 1.0  # one plain test: the contribution is the weight itself
            shown = round(c * SHOWN_SCALE) / SHOWN_SCALE
            if not shown:
                continue
            fn.emit(1, f"if {names[0]}:")
            known = _known_value(conditions[0], field)
            if known is not None:  # the whole item is fixed: shared, like tips
                item = _evidence(field, known, effect, shown, message)
                fn.emit(2, f"append(({-abs(c)!r}, {index}, {fn.constant(item)}))")
                continue
            template = fn.constant(_evidence(field, None, effect, shown, message))
            _emit_shown_value(fn, 2, field)
            fn.emit(2, f"item = {template}.copy()")
            fn.emit(2, 'item["value"] = v')
            fn.emit(2, 'item["display_value"] = d')
            fn.emit(2, f"append(({-abs(c)!r}, {index}, item))")
            continue
        template = fn.constant(_evidence(field, None, effect, None, message))
        fn.emit(1, f"a = {' * '.join(names)}")
        fn.emit(1, "if a:")
        fn.emit(2, f"c = {fn.constant(weight)} * a")
        fn.emit(2, f"w = round(c * {SHOWN_SCALE!r}) / {SHOWN_SCALE!r}")
        fn.emit(2, "if w:")
        _emit_shown_value(fn, 3, field)
        fn.emit(3, f"item = {template}.copy()")
        fn.emit(3, 'item["value"] = v')
        fn.emit(3, 'item["display_value"] = d')
        fn.emit(3, 'item["weight"] = w')
        fn.emit(3, f"append(({'-c' if weight > 0 else 'c'}, {index}, item))")
    fn.emit(1, "out.sort()  # (strength, index) never tie: the items are not compared")
    if texts.fallen_cause is not None:
        fn.emit(1, f"fallen.append({fn.constant(texts.fallen_cause)})")
    if any(texts.fallen_signals):
        keys = fn.constant(tuple(texts.fallen_signals))
        fn.emit(1, f"fallen += [{keys}[e[1]] for e in out if {keys}[e[1]] is not None]")
    if cause.input_fields:
        mask = 0
        for path in cause.input_fields:
            mask |= bits[path]
        fn.emit(1, f"share = (present & {mask}).bit_count() / {len(cause.input_fields)}")
        fn.emit(1, 'confidence = "high" if share >= 0.6 else "medium" if share >= 0.3 else "low"')
    else:
        fn.emit(1, 'confidence = "low"')
    template = fn.constant(
        {
            **texts.heading,
            "rank": None,
            "score": None,
            "confidence": None,
            "evidence": None,
            # shared and empty: counterfactuals are worked out on request (the answer
            # builder replaces the list then, never changes it)
            "counterfactuals": [],
        }
    )
    fn.emit(1, f"cause = {template}.copy()")
    fn.emit(1, 'cause["rank"] = rank')
    fn.emit(1, f'cause["score"] = round(score * {SHOWN_SCALE!r}) / {SHOWN_SCALE!r}')
    fn.emit(1, 'cause["confidence"] = confidence')
    fn.emit(1, 'cause["evidence"] = [entry[2] for entry in out]')
    fn.emit(1, "return cause")
    header = [
        f"def {name}(flat, conds, present, rank, score, fallen):",
        f"    # cause {cause.id!r}, locale {locale!r}",
        "    get = flat.get",
    ]
    module.functions.append("\n".join(header + fn.condition_lines + fn.lines))


def _evidence(
    field: str, value: Any, effect: str, weight: float | None, message: str
) -> dict[str, Any]:
    """An evidence item, or the template a writer copies and fills in."""
    return {
        "field": field,
        "value": value,
        "display_value": _display_text(value),
        "effect": effect,
        "weight": weight,
        "message": message,
    }


def _display_text(value: Any) -> str:
    """A fixed item's value as the writers spell it at request time (`_emit_shown_value`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _known_value(condition: Condition, field: str) -> bool | None:
    """The value an item shows when its one plain test already says what it is: a `true` or
    `false` test of the very field it cites."""
    if condition.field == field and condition.op in ("true", "false"):
        return condition.op == "true"
    return None


def _emit_shown_value(fn: _Function, depth: int, field: str) -> None:
    """Set `v` to the field's value as answers show it: a number as 31 rather than 31.0 and
    with 2 decimals at most, an enum as its plain value, a list as a list of them; and `d` to
    the same as a short string ("31", "true", "quadriceps, calves"; "" when not given), built
    from `v` in the same branch so that it costs one more call at most."""
    read = f"get({fn.constant(field)})"
    fn.emit(depth, f"v = {read}")
    kind = KNOWN_FIELDS[field].kind
    if kind is FieldKind.NUMBER:
        fn.emit(depth, "if v.__class__ is float:")
        fn.emit(depth + 1, "if v.is_integer():")
        fn.emit(depth + 2, "v = int(v)")
        fn.emit(depth + 1, "else:")
        fn.emit(depth + 2, "v = round(v * 100.0) / 100.0")
        fn.emit(depth + 2, "if v.is_integer():")
        fn.emit(depth + 3, "v = int(v)")
        fn.emit(depth, 'd = "" if v is None else str(v)')
    elif kind is FieldKind.ENUM:
        fn.emit(depth, "if v is not None:")
        fn.emit(depth + 1, "v = d = str(v)")
        fn.emit(depth, "else:")
        fn.emit(depth + 1, 'd = ""')
    elif kind is FieldKind.LIST:
        fn.emit(depth, "if v is not None:")
        fn.emit(depth + 1, "v = [str(x) for x in v]")
        fn.emit(depth + 1, 'd = ", ".join(v)')
        fn.emit(depth, "else:")
        fn.emit(depth + 1, 'd = ""')
    else:  # a boolean
        fn.emit(depth, 'd = "" if v is None else "true" if v else "false"')
