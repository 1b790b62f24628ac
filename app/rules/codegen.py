"""Generate one Python module per content version: the evaluator as straight-line code.

`evaluate_context` reads the context, tests every distinct condition once, scores every cause
and checks red flags and plausibility in one pass; `score_inputs` scores a dict of inputs with
the same emitters (for counterfactuals). That is all that is generated: the measured gain is
there (docs/performance.md); the answer is written from data (`app.rules.answer`).

Locals are named after their fields and conditions (`activity_duration_min`,
`activity_duration_min_gte_90`), and each condition's line ends with a comment naming the
rules that use it, so a traceback says which rule failed. An operator's Python comes from its
entry in `app.rules.ops`. The source is registered with `linecache` (as attrs does), so
tracebacks, `inspect` and debuggers show real lines. Only validated content reaches here, and
every value but a finite number is bound as a named constant, never spliced into the source.
"""

from __future__ import annotations

import hashlib
import linecache
import math
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from app.rules.bundle import Condition
from app.rules.compiler import CompiledRedFlag, CompiledRuleset, condition_key
from app.rules.derived import add_derived
from app.rules.fields import KNOWN_FIELDS, SECTION_FIELDS
from app.rules.ops import OPERATORS, ValueShape
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
MAX_LABELS = 3  # rules named in a condition's comment; more are counted


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
    (each read or tested once, into a local named after it)."""

    def __init__(self, module: _ModuleSource, labels: Mapping[str, Sequence[str]]) -> None:
        self.module = module
        self.labels = labels  # condition_key -> the rules that test it, for the comments
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
            self.field_locals[path] = path.replace(".", "_")
        return self.field_locals[path]

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def condition(self, condition: Condition) -> str:
        """The local holding the condition's activation: 1.0 or 0.0 for a plain test, a
        float in [0, 1] for a ramp (floats either way, so sums are float arithmetic)."""
        key = condition_key(condition)
        if key not in self.condition_locals:
            name = self._condition_name(condition)
            guard, activation = self._guard_and_value(condition)
            line = f"{name} = {activation} if {guard} else 0.0  # {self._comment(key)}"
            section = _only_section(condition.field)
            if section is None:
                self.condition_lines.append("    " + line)
            else:
                self.section_conditions.setdefault(section, []).append((name, line))
            self.condition_locals[key] = name
        return self.condition_locals[key]

    def _condition_name(self, condition: Condition) -> str:
        """`activity_duration_min_gte_90`: the field, the operator and the value; a second
        condition that would read the same gets a number."""
        name = f"{self.field(condition.field)}_{condition.op}"
        slug = _value_slug(condition.value)
        if slug:
            name = f"{name}_{slug}"
        taken = set(self.condition_locals.values())
        unique, count = name, 1
        while unique in taken:
            count += 1
            unique = f"{name}_{count}"
        return unique

    def _comment(self, key: str) -> str:
        labels = list(self.labels.get(key, ()))
        shown = ", ".join(labels[:MAX_LABELS])
        more = len(labels) - MAX_LABELS
        return f"{shown} and {more} more" if more > 0 else shown

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
            lines.append(f"    if present & {mask}:  # anything of {section}")
            lines += [f"        {line}" for _, line in conditions]
            lines.append("    else:")
            lines.append(f"        {' = '.join(name for name, _ in conditions)} = 0.0")
        return lines

    def _guard_and_value(self, condition: Condition) -> tuple[str, str]:
        """(a test that is true when the condition holds at all, its activation then), from
        the operator's declaration."""
        op = OPERATORS[condition.op]
        value = condition.value
        parts: dict[str, str] = {"x": self.field(condition.field)}
        if op.shape is ValueShape.NONE:
            parts["path"] = self.constant(condition.field)
        elif op.shape is ValueShape.MANY:
            parts["v"] = self.constant(frozenset(value))  # type: ignore[arg-type]
        elif op.shape is ValueShape.ONE:
            parts["v"] = self.constant(value)
        else:
            assert isinstance(value, list)
            low, high = value
            if op.shape is ValueShape.RAMP:  # a fraction: float arithmetic throughout
                low, high = float(low), float(high)
                parts["span"] = self.constant(high - low)
            parts["low"], parts["high"] = self.constant(low), self.constant(high)
        return op.guard.format_map(parts), op.activation.format_map(parts)


def _value_slug(value: Any) -> str:
    """A condition's value as part of a name: `90`, `0_5`, `m2`, `true`, `running`; a list
    as its first items and its length."""
    if value is None:
        return ""
    if isinstance(value, list):
        head = "_".join(_value_slug(item) for item in value[:2])
        return head if len(value) <= 2 else f"{head}_of_{len(value)}"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    slug = text.replace("-", "m").replace(".", "_")
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in slug)[:24]


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


def generate_rules(ruleset: CompiledRuleset, version: int) -> GeneratedRules:
    """Generate, compile and register the evaluator module of one version."""
    module = _ModuleSource()
    bits = input_bits()
    labels = rule_labels(ruleset)
    condition_index = _emit_evaluator(module, ruleset, bits, labels)
    _emit_scorer(module, ruleset, labels)
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
    )
    _register_source(generated)
    return generated


def rule_labels(ruleset: CompiledRuleset) -> dict[str, list[str]]:
    """condition_key -> the rules that test it (`cause.signal`, `red flag id`, `tip id`), in
    bundle order: what a condition's comment names."""
    labels: dict[str, list[str]] = {}

    def add(conditions: Sequence[Condition], label: str) -> None:
        for condition in conditions:
            named = labels.setdefault(condition_key(condition), [])
            if label not in named:
                named.append(label)

    for cause in ruleset.causes:
        for signal in cause.signals:
            add((*signal.conditions, *signal.silenced_when), f"{cause.id}.{signal.id}")
    for flag in ruleset.red_flags:
        add((*flag.conditions, *flag.unless), f"red flag {flag.id}")
    for tip in ruleset.tips:
        add(tip.hidden_when, f"tip {tip.id} hidden")
        for action in tip.actions:
            add(action.only_when, f"tip {tip.id} {action.kind}")
    return labels


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
    """`logit_<cause id>`: each cause's logit from the conditions' locals (one emitter for the
    evaluator and for the scorer of counterfactuals, so both mean the same)."""
    for cause in ruleset.causes:
        terms = [repr(float(cause.prior))]
        for signal in cause.signals:
            names = [fn.condition(condition) for condition in signal.conditions]
            activation = names[0] if len(names) == 1 else f"({' * '.join(names)})"
            if signal.silenced_when:
                silencers = " or ".join(fn.condition(c) for c in signal.silenced_when)
                activation = f"({activation} * (0.0 if ({silencers}) else 1.0))"
            terms.append(f"{fn.constant(float(signal.weight))} * {activation}")
        fn.emit(1, f"{logit_name(cause.id)} = {' + '.join(terms)}")


def logit_name(cause_id: str) -> str:
    return f"logit_{cause_id}"


def _emit_scorer(
    module: _ModuleSource, ruleset: CompiledRuleset, labels: Mapping[str, Sequence[str]]
) -> None:
    """`score_inputs(inputs) -> [logit per cause]`: the logits of a flat dict of input values
    (paths, SI units), derived values added as the evaluator adds them. The conditions and
    logits are the evaluator's own emitters; only the reading differs (a dict instead of a
    validated context), so a counterfactual is scored by the rules an answer is."""
    fn = _Function(module, labels)
    _emit_logits(fn, ruleset)
    logits = ", ".join(logit_name(cause.id) for cause in ruleset.causes)
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
    module: _ModuleSource,
    ruleset: CompiledRuleset,
    bits: Mapping[str, int],
    labels: Mapping[str, Sequence[str]],
) -> dict[str, int]:
    """`evaluate_context(context) -> ContextResult`: read the validated context's sections,
    derive, score, check the red flags and the plausibility checks, in one pass.

    A cause's logit is its prior plus each signal's weight x activation, in rule order (a
    signal that does not hold adds exactly 0.0, so no branch per signal). Section and field
    names come from the schema (identifiers), never from a request or from content.
    """
    fn = _Function(module, labels)
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
            fn.emit(1, f"if {x} is not None and {x} {op} {limit!r}:  # plausibility {check.code}")
        else:
            fn.emit(1, f"if {fn.constant(check.test)}(values):  # plausibility {check.code}")
        fn.emit(2, f"tripped.append({name})")
    logits = ", ".join(logit_name(cause.id) for cause in ruleset.causes)
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
