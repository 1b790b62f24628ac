"""Generate plain Python functions per ruleset: a scorer, per-cause explainers, a flag checker.

Calling one small closure per condition costs a Python call each; a ruleset of a few hundred
conditions then spends most of its time on call overhead. Here the compiled content becomes
straight-line code instead: each field is read once into a local, each distinct condition is
tested once (a big ruleset repeats its conditions across causes), and each cause's logit is a
local float. Scoring is split from explaining: every request scores every cause, but only the
few causes an answer shows need their fired signals, so those come from a per-cause
explainer, run on demand. The closures in `compiler` remain the reference semantics, and a
property test holds the generated code to identical results (same operations in the same
order, so the floats match bit for bit).

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

from app.content.bundle import Condition

Fired = tuple[float, int, float, float]
"""A fired signal: (-|contribution|, its index among the cause's signals, contribution, the
contribution rounded to 3 decimals as answers show it). Sorting these plainly puts the
strongest first and keeps rule order among equals."""
SHOWN_SCALE = 1000.0  # answers show contributions to 3 decimals


def shown_weight(contribution: float) -> float:
    """The contribution to 3 decimals, as answers show it. Scaling and rounding to an integer
    costs a third of `round(x, 3)`, which goes through decimal formatting; the two can only
    differ on a value that is a hair's breadth from a half-thousandth."""
    return round(contribution * SHOWN_SCALE) / SHOWN_SCALE


Scorer = Callable[[Mapping[str, Any]], list[float]]
EvidenceWriter = Callable[[Mapping[str, Any], Callable[[str], Any]], list[dict[str, Any]]]
"""(flat context, field -> its value as shown) -> one cause's evidence items, strongest first."""
Explainer = Callable[[Mapping[str, Any]], list[Fired]]
FlagChecker = Callable[[Mapping[str, Any]], list[Any]]
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
        self.condition_locals: dict[str, tuple[str, bool]] = {}

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

    def condition(self, condition: Condition) -> tuple[str, bool]:
        """(the local that holds the condition's activation, whether it is a ramp), testing
        each distinct condition once: a bool for plain tests, a float in (0, 1] for ramps."""
        key = json.dumps([condition.field, condition.op, condition.value], sort_keys=True)
        if key not in self.condition_locals:
            name = f"_c{len(self.condition_locals)}"
            guard, activation = _guard_and_value(self, condition)
            ramp = activation != "1.0"
            line = f"{name} = {activation} if {guard} else 0.0" if ramp else f"{name} = {guard}"
            self.condition_lines.append("    " + line)
            self.condition_locals[key] = (name, ramp)
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


def generate_scorer(priors: Sequence[float], signals: Sequence[Sequence[SignalSpec]]) -> Scorer:
    """A function flat -> the logit of every cause, in the order given.

    `signals[i]` lists cause i's signals in rule order; its logit is its prior plus each
    held signal's weight x activation, added in that order (as the reference does).
    """
    source = _Source()
    for cause_index, (prior, cause_signals) in enumerate(zip(priors, signals, strict=True)):
        logit = f"l{cause_index}"
        source.emit(1, f"{logit} = {float(prior)!r}")
        for weight, conditions in cause_signals:
            held = [source.condition(condition) for condition in conditions]
            weight_name = source.constant(float(weight))
            if len(held) == 1 and not held[0][1]:  # one plain test: weight x 1.0 is the weight
                source.emit(1, f"if {held[0][0]}:")
                source.emit(2, f"{logit} += {weight_name}")
                continue
            source.emit(1, f"a = {' * '.join(name for name, _ in held)}")
            source.emit(1, "if a:")
            source.emit(2, f"{logit} += {weight_name} * a")
    source.emit(1, f"return [{', '.join(f'l{i}' for i in range(len(priors)))}]")
    scorer: Scorer = _finish(source, "score_causes", 0)
    return scorer


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


def generate_evidence_writer(signals: Sequence[EvidenceSpec]) -> EvidenceWriter:
    """A function (flat, show) -> one cause's evidence items, in one locale, as answer data.

    The same signals and arithmetic as `generate_explainer`, but each fired signal becomes
    its finished evidence item at once (the texts are constants of the function), sorted
    strongest first with rule order among equals; items whose weight rounds to 0 are left
    out. `show(field)` gives the field's value as answers show it. A test holds the items to
    those built from the explainer's output.
    """
    source = _Source()
    source.emit(1, "out = []")
    for index, (weight, conditions, field, message) in enumerate(signals):
        item = (
            f'{{"field": {source.constant(field)}, "value": show({source.constant(field)}), '
            f'"effect": {source.constant("raises" if weight > 0 else "lowers")}, '
            f'"weight": {{w}}, "message": {source.constant(message)}}}'
        )
        if len(conditions) == 1:
            guard, activation = _guard_and_value(source, conditions[0])
            if activation == "1.0":
                c = weight * 1.0
                shown = shown_weight(c)
                if shown:
                    source.emit(1, f"if {guard}:")
                    strength = source.constant(-abs(c))
                    entry = item.replace("{w}", source.constant(shown))
                    source.emit(2, f"out.append(({strength}, {index}, {entry}))")
                continue
        strength = "-c" if weight > 0 else "c"

        def on_hold(
            depth: int, i: int = index, w: float = weight, k: str = strength, entry: str = item
        ) -> None:
            source.emit(depth, "if a:")
            source.emit(depth + 1, f"c = {source.constant(w)} * a")
            source.emit(depth + 1, f"w = round(c * {SHOWN_SCALE!r}) / {SHOWN_SCALE!r}")
            source.emit(depth + 1, "if w:")
            source.emit(depth + 2, f"out.append(({k}, {i}, {entry.replace('{w}', 'w')}))")

        _emit_conditions(source, conditions, 1, on_hold)
    source.emit(1, "out.sort()  # (strength, index) never tie: the items are not compared")
    source.emit(1, "return [entry[2] for entry in out]")
    writer: EvidenceWriter = _finish(source, "write_evidence", 0, params="flat, show")
    return writer


def generate_flag_checker(flags: Sequence[tuple[Any, Sequence[Condition]]]) -> FlagChecker:
    """A function flat -> the flag objects whose conditions all hold, in the given order."""
    source = _Source()
    source.emit(1, "out = []")
    for flag, conditions in flags:
        flag_name = source.constant(flag)

        def on_hold(depth: int, f: str = flag_name) -> None:
            source.emit(depth, "if a:")
            source.emit(depth + 1, f"out.append({f})")

        _emit_conditions(source, conditions, 1, on_hold)
    source.emit(1, "return out")
    checker: FlagChecker = _finish(source, "fired_flags", 0)
    return checker
