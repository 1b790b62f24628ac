"""Generate plain Python functions per ruleset: a scorer, per-cause writers and explainers.

Calling one small closure per condition costs a Python call each; a ruleset of a few hundred
conditions then spends most of its time on call overhead. Here the compiled content becomes
straight-line code instead: each field is read once into a local, each distinct condition is
tested once (a big ruleset repeats its conditions across causes), and each cause's logit is a
local float. One generated function reads the context, scores, checks the red flags and
hands back every condition's result, so a request reads its context once; a per-cause
writer (one per locale) then turns those results into the answer's cause, for the few
causes an answer shows. The per-cause
explainers serve the reference path. The closures in `compiler` remain the reference
semantics, and property tests hold the generated code to identical results (same operations
in the same order, so the floats match bit for bit).

Only validated content reaches this module: field paths come from the known-field registry,
ops from a fixed vocabulary, and every value other than a finite number (written as its
`repr`, which is only digits, sign, point and exponent) is bound as a named constant, never
spliced into the source as text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.rules.bundle import Condition

Fired = tuple[float, int, float, float]
"""A fired signal: (-|contribution|, its index among the cause's signals, contribution, the
contribution rounded to 3 decimals as answers show it). Sorting these plainly puts the
strongest first and keeps rule order among equals."""
SHOWN_SCALE = 1000.0  # answers show contributions to 3 decimals
RAMP_OPS = frozenset({"ramp_up", "ramp_down"})  # the ops whose activation is a fraction


def shown_weight(contribution: float) -> float:
    """The contribution to 3 decimals, as answers show it. Scaling and rounding to an integer
    costs a third of `round(x, 3)`, which goes through decimal formatting; the two can only
    differ on a value that is a hair's breadth from a half-thousandth."""
    return round(contribution * SHOWN_SCALE) / SHOWN_SCALE


Explainer = Callable[[Mapping[str, Any]], list[Fired]]
SignalSpec = tuple[float, Sequence[Condition]]
"""A signal as the generator needs it: its weight and its conditions (all must hold)."""
EvidenceSpec = tuple[float, Sequence[Condition], str, str]
"""A signal as an evidence item: weight, conditions, the field it cites, its message."""


class _Source:
    """Accumulates the generated function's lines and the constants it refers to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.field_locals: dict[str, str] = {}
        self.condition_lines: list[str] = []
        self.condition_locals: dict[str, str] = {}

    def constant(self, value: Any) -> str:
        """How the code refers to `value`: a finite number as its literal (a constant load,
        where a name would be a global lookup on every use), anything else by a name."""
        if type(value) in (int, float) and math.isfinite(value):
            return repr(value)  # repr round-trips a float exactly
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        return name

    def field(self, path: str) -> str:
        """The local variable that holds `path`'s value (read once at the top)."""
        if path not in self.field_locals:
            self.field_locals[path] = f"_f{len(self.field_locals)}"
        return self.field_locals[path]

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def condition(self, condition: Condition) -> str:
        """The local that holds the condition's activation, testing each distinct condition
        once: 1.0 or 0.0 for plain tests, a float in [0, 1] for ramps
        (floats either way, so that the scorer's sums are float arithmetic throughout)."""
        key = condition_key(condition)
        if key not in self.condition_locals:
            name = f"_c{len(self.condition_locals)}"
            guard, activation = _guard_and_value(self, condition)  # activation "1.0" if plain
            self.condition_lines.append(f"    {name} = {activation} if {guard} else 0.0")
            self.condition_locals[key] = name
        return self.condition_locals[key]


def _guard_and_value(source: _Source, condition: Condition) -> tuple[str, str]:
    """(a test that is true when the condition holds at all, the activation when it does)."""
    op, value = condition.op, condition.value
    path_name = source.constant(condition.field)
    x = source.field(condition.field)
    if op == "present":
        return f"{path_name} in flat", "1.0"
    if op == "true":
        return f"{x} is True", "1.0"
    if op == "false":
        return f"{x} is False", "1.0"
    if op == "eq":
        return f"{x} is not None and {x} == {source.constant(value)}", "1.0"
    if op == "in":
        return f"{x} in {source.constant(frozenset(value))}", "1.0"  # type: ignore[arg-type]
    if op == "contains":
        return f"{source.constant(value)} in flat.get({path_name}, ())", "1.0"
    if op == "contains_any":
        wanted = source.constant(frozenset(value))  # type: ignore[arg-type]
        return f"not {wanted}.isdisjoint(flat.get({path_name}, ()))", "1.0"
    comparisons = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<"}
    if op in comparisons:
        return f"{x} is not None and {x} {comparisons[op]} {source.constant(value)}", "1.0"
    assert isinstance(value, list)
    low, high = source.constant(float(value[0])), source.constant(float(value[1]))
    if op == "between":
        low, high = source.constant(value[0]), source.constant(value[1])
        return f"{x} is not None and {low} <= {x} <= {high}", "1.0"
    span = source.constant(float(value[1]) - float(value[0]))
    if op == "ramp_up":
        return (
            f"{x} is not None and {x} > {low}",
            f"(1.0 if {x} >= {high} else ({x} - {low}) / {span})",
        )
    return (  # ramp_down
        f"{x} is not None and {x} < {high}",
        f"(1.0 if {x} <= {low} else ({high} - {x}) / {span})",
    )


def _emit_conditions(
    source: _Source, conditions: Sequence[Condition], depth: int, on_hold: Callable[[int], None]
) -> None:
    """Nested ifs, one per condition, multiplying activations in order; `on_hold` emits the
    body that runs when all hold (with the activation in `a`)."""
    for index, condition in enumerate(conditions):
        guard, activation = _guard_and_value(source, condition)
        source.emit(depth, f"if {guard}:")
        depth += 1
        source.emit(depth, f"a = {activation}" if index == 0 else f"a = a * {activation}")
    on_hold(depth)


def _finish(
    source: _Source, name: str, body_start: int, params: str = "flat"
) -> Callable[..., Any]:
    header = [f"def {name}({params}):", "    get = flat.get"]
    header += [
        f"    {local} = get({source.constant(path)})" for path, local in source.field_locals.items()
    ]
    code = "\n".join(header + source.condition_lines + source.lines[body_start:])
    namespace: dict[str, Any] = dict(source.constants)
    # Safe: only validated content reaches here, and values are bound as named constants.
    exec(compile(code, f"<ruleset {name}>", "exec"), namespace)
    function: Callable[..., Any] = namespace[name]
    return function


def condition_key(condition: Condition) -> str:
    """A condition's identity: equal conditions are tested once and share one result."""
    return json.dumps([condition.field, condition.op, condition.value], sort_keys=True)


ContextEvaluator = Callable[[Any], tuple[Any, ...]]
"""context -> (flat values, provided fields by section, logits, condition results, fired red
flags, tripped checks, the provided inputs as a bit mask (see `input_bits`)): `read_context`,
the scorer and the checks in one pass."""


def input_bits(sections: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> dict[str, int]:
    """Each input field's bit in the mask of provided inputs, in schema order: a cause's
    confidence is then one `&` and a bit count instead of a lookup per input it reads."""
    paths = [path for _, fields in sections for _, path in fields]
    return {path: 1 << position for position, path in enumerate(paths)}


Check = tuple[Any, "tuple[str, str, float] | Callable[[Mapping[str, Any]], bool]"]
"""(what to report, and when: a bound (path, "<" or ">", limit) or a test of the flat values)."""


def generate_context_evaluator(
    priors: Sequence[float],
    signals: Sequence[Sequence[SignalSpec]],
    flags: Sequence[tuple[Any, Sequence[Condition]]],
    sections: Sequence[tuple[str, Sequence[tuple[str, str]]]],
    derive: Callable[[dict[str, Any]], None],
    checks: Sequence[Check],
) -> tuple[ContextEvaluator, dict[str, int]]:
    """The request's whole first half in one function: read the validated context (its
    `sections`, as `engine.read_context` does, then `derive`), score, check the red flags
    and the `checks`. Each cause's logit is its prior plus each held signal's weight x
    activation, added in rule order (as the reference does); every distinct condition's
    result is handed back too (1.0 or 0.0 for a plain test, the activation for a ramp), so
    that the answer explains the causes it shows without testing anything again.

    A rule's input fields come straight from the section it was read from, not looked up
    again by path: the context is read once. Section and field names come from the schema
    (identifiers), never from a request or from content; the checks' paths and limits are
    the service's own constants, written as their `repr`.
    """
    source = _Source()
    _emit_scoring(source, priors, signals, flags)
    source.emit(1, "tripped = []")
    for item, test in checks:
        name = source.constant(item)
        if isinstance(test, tuple):
            path, op, limit = test
            assert op in ("<", ">") and isinstance(limit, float)
            x = source.field(path)
            source.emit(1, f"if {x} is not None and {x} {op} {limit!r}:")
        else:
            source.emit(1, f"if {source.constant(test)}(values):")
        source.emit(2, f"tripped.append({name})")
    logits = ", ".join(f"l{i}" for i in range(len(priors)))
    results = "".join(f"{name}, " for name in source.condition_locals.values())
    source.emit(1, f"return values, given, [{logits}], ({results}), fired, tripped, present")

    bits = input_bits(sections)
    header = [
        "def evaluate_context(context):",
        "    values = {}",
        "    given = {}",
        "    present = 0",
    ]
    read_here = set()
    for section, fields in sections:
        assert section.isidentifier()
        header += [f"    fields = context.{section}.__dict__", "    provided = {}"]
        for name, path in fields:
            assert name.isidentifier() and path == f"{section}.{name}"
            local = source.field_locals.get(path)
            header += [
                f"    {local or 'value'} = fields[{name!r}]",
                f"    if {local or 'value'} is not None:",
                f"        provided[{name!r}] = values[{path!r}] = {local or 'value'}",
                f"        present |= {bits[path]}",
            ]
            if local:
                read_here.add(path)
        header += ["    if provided:", f"        given[{section!r}] = provided"]
    header += [
        f"    {source.constant(derive)}(values)",
        "    flat = values",
        "    get = values.get",
    ]
    header += [
        f"    {local} = get({source.constant(path)})"
        for path, local in source.field_locals.items()
        if path not in read_here
    ]
    code = "\n".join(header + source.condition_lines + source.lines)
    namespace: dict[str, Any] = dict(source.constants)
    exec(compile(code, "<ruleset evaluate_context>", "exec"), namespace)
    evaluator: ContextEvaluator = namespace["evaluate_context"]
    return evaluator, {key: index for index, key in enumerate(source.condition_locals)}


def _emit_scoring(
    source: _Source,
    priors: Sequence[float],
    signals: Sequence[Sequence[SignalSpec]],
    flags: Sequence[tuple[Any, Sequence[Condition]]],
) -> None:
    """The logits l0, l1, ... and the fired flags in `fired`, in the order given.

    A logit is one expression, its prior plus every signal's weight x activation in rule
    order: a signal that does not hold adds exactly 0.0, which leaves a float sum unchanged,
    so the result is bit for bit the reference's sum over the held signals, without a branch
    per signal (the cost of a big ruleset is its signals)."""
    for cause_index, (prior, cause_signals) in enumerate(zip(priors, signals, strict=True)):
        terms = [repr(float(prior))]
        for weight, conditions in cause_signals:
            names = [source.condition(condition) for condition in conditions]
            activation = names[0] if len(names) == 1 else f"({' * '.join(names)})"
            terms.append(f"{source.constant(float(weight))} * {activation}")
        source.emit(1, f"l{cause_index} = {' + '.join(terms)}")
    source.emit(1, "fired = []")
    for flag, conditions in flags:
        held = [source.condition(condition) for condition in conditions]
        source.emit(1, f"if {' * '.join(held) or 'True'}:")
        source.emit(2, f"fired.append({source.constant(flag)})")


def generate_explainer(signals: Sequence[SignalSpec]) -> Explainer:
    """A function flat -> one cause's fired signals (see `Fired`), in rule order.

    A signal with one plain test always contributes exactly its weight, so its whole `Fired`
    tuple is a constant; only ramps and combinations compute (and round) at request time.
    """
    source = _Source()
    source.emit(1, "fired = []")
    for index, (weight, conditions) in enumerate(signals):
        weight_name = source.constant(weight)
        strength = "-c" if weight > 0 else "c"  # -|c|: c has the weight's sign
        if len(conditions) == 1:
            guard, activation = _guard_and_value(source, conditions[0])
            if activation == "1.0":
                c = weight * 1.0
                fired = source.constant((-abs(c), index, c, shown_weight(c)))
                source.emit(1, f"if {guard}:")
                source.emit(2, f"fired.append({fired})")
                continue

        def on_hold(depth: int, i: int = index, w: str = weight_name, k: str = strength) -> None:
            source.emit(depth, "if a:")
            source.emit(depth + 1, f"c = {w} * a")
            source.emit(
                depth + 1,
                f"fired.append(({k}, {i}, c, round(c * {SHOWN_SCALE!r}) / {SHOWN_SCALE!r}))",
            )

        _emit_conditions(source, conditions, 1, on_hold)
    source.emit(1, "return fired")
    explainer: Explainer = _finish(source, "explain_cause", 0)
    return explainer


CauseWriter = Callable[[Mapping[str, Any], tuple[Any, ...], int, int, float], dict[str, Any]]
"""(flat context, the scorer's condition results, the provided inputs' mask, rank, score) ->
the cause as answer data."""


def generate_cause_writer(
    heading: Mapping[str, str],
    signals: Sequence[EvidenceSpec],
    input_fields: Sequence[str],
    condition_index: Mapping[str, int],
    bits: Mapping[str, int],
    shown_as: Callable[[str], str],
    display: Callable[[Any], Any],
) -> CauseWriter:
    """A function that writes one cause of an answer, in one locale, from the scorer's work.

    It tests nothing again: each signal's activation is the product of its conditions'
    results as the scorer left them, so only the causes an answer shows cost anything more.
    Its evidence items are the explainer's fired signals, strongest first (rule order among
    equals), with their texts; a contribution that rounds to 0 is left out. Confidence is
    worked out as `engine` does (same operations, so the same floats); the score comes in.
    `heading` is the cause's id and texts. A cited value is shown as `display(value)` shows
    it; `shown_as(field)` says what the field's kind needs: "as_is" (booleans: no change),
    "number" (a float written out inline, the common case) or "display" (a call).

    Items and the cause are copies of dicts made here with their texts in place, filled in
    with what the request decides (a copy costs about half of a dict literal, which inserts
    every key again); an item that a request cannot change (a `true`/`false` test of the
    field it cites, with a fixed weight) is not even copied: answers share it, like tips.
    """
    source = _Source()
    uses: dict[int, int] = {}
    for _, conditions, _, _ in signals:
        for condition in conditions:
            position = condition_index[condition_key(condition)]
            uses[position] = uses.get(position, 0) + 1

    def result(position: int) -> str:
        """A condition's result: read into a local when several signals test it."""
        return f"_c{position}" if uses[position] > 1 else f"conds[{position}]"

    source.emit(1, "out = []")
    source.emit(1, "append = out.append")
    for position, count in uses.items():
        if count > 1:
            source.emit(1, f"_c{position} = conds[{position}]")
    for index, (weight, conditions, field, message) in enumerate(signals):
        names = [result(condition_index[condition_key(c)]) for c in conditions]
        effect = "raises" if weight > 0 else "lowers"
        plain = len(conditions) == 1 and conditions[0].op not in RAMP_OPS
        if plain:  # one plain test: the contribution is the weight itself
            c = weight * 1.0
            shown = shown_weight(c)
            if not shown:
                continue
            source.emit(1, f"if {names[0]}:")
            known = _known_value(conditions[0], field)
            if known is not None:  # the whole item is fixed: shared, like tips
                item = _evidence(field, known, effect, shown, message)
                source.emit(2, f"append(({-abs(c)!r}, {index}, {source.constant(item)}))")
                continue
            template = source.constant(_evidence(field, None, effect, shown, message))
            _emit_shown_value(source, 2, field, shown_as(field))
            source.emit(2, f"item = {template}.copy()")
            source.emit(2, 'item["value"] = v')
            source.emit(2, f"append(({-abs(c)!r}, {index}, item))")
            continue
        template = source.constant(_evidence(field, None, effect, None, message))
        source.emit(1, f"a = {' * '.join(names)}")
        source.emit(1, "if a:")
        source.emit(2, f"c = {source.constant(weight)} * a")
        source.emit(2, f"w = round(c * {SHOWN_SCALE!r}) / {SHOWN_SCALE!r}")
        source.emit(2, "if w:")
        _emit_shown_value(source, 3, field, shown_as(field))
        source.emit(3, f"item = {template}.copy()")
        source.emit(3, 'item["value"] = v')
        source.emit(3, 'item["weight"] = w')
        strength = "-c" if weight > 0 else "c"
        source.emit(3, f"append(({strength}, {index}, item))")
    source.emit(1, "out.sort()  # (strength, index) never tie: the items are not compared")
    if input_fields:
        mask = 0
        for path in input_fields:
            mask |= bits[path]
        source.emit(1, f"share = (present & {mask}).bit_count() / {len(input_fields)}")
        source.emit(
            1, 'confidence = "high" if share >= 0.6 else "medium" if share >= 0.3 else "low"'
        )
    else:
        source.emit(1, 'confidence = "low"')
    # The cause: a copy of its template, texts in place, with the four values filled in.
    cause = source.constant(
        {**heading, "rank": None, "score": None, "confidence": None, "evidence": None}
    )
    source.emit(1, f"cause = {cause}.copy()")
    source.emit(1, 'cause["rank"] = rank')
    source.emit(1, f'cause["score"] = round(score * {SHOWN_SCALE!r}) / {SHOWN_SCALE!r}')
    source.emit(1, 'cause["confidence"] = confidence')
    source.emit(1, 'cause["evidence"] = [entry[2] for entry in out]')
    source.emit(1, "return cause")
    source.constants["display"] = display
    writer: CauseWriter = _finish(
        source, "write_cause", 0, params="flat, conds, present, rank, score"
    )
    return writer


def _evidence(
    field: str, value: Any, effect: str, weight: float | None, message: str
) -> dict[str, Any]:
    """An evidence item, or the template a writer copies and fills in (copying a dict of five
    keys costs about half of building it from a literal, which inserts every key again)."""
    return {"field": field, "value": value, "effect": effect, "weight": weight, "message": message}


def _known_value(condition: Condition, field: str) -> bool | None:
    """The value an item shows when its one plain test already says what it is: a `true` or
    `false` test of the very field it cites."""
    if condition.field == field and condition.op in ("true", "false"):
        return condition.op == "true"
    return None


def _emit_shown_value(source: _Source, depth: int, field: str, shown_as: str) -> None:
    """Set `v` to the field's value as answers show it (see `generate_cause_writer`)."""
    read = f"get({source.constant(field)})"
    if shown_as == "as_is":
        source.emit(depth, f"v = {read}")
    elif shown_as == "number":  # 31.0 -> 31; 2 decimals at most, by scaling (as `display`)
        source.emit(depth, f"v = {read}")
        source.emit(depth, "if v.__class__ is float:")
        source.emit(depth + 1, "if v.is_integer():")
        source.emit(depth + 2, "v = int(v)")
        source.emit(depth + 1, "else:")
        source.emit(depth + 2, "v = round(v * 100.0) / 100.0")
        source.emit(depth + 2, "if v.is_integer():")
        source.emit(depth + 3, "v = int(v)")
    else:
        source.emit(depth, f"v = display({read})")
