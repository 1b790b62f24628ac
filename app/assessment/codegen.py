"""Generate one plain Python function per ruleset that scores every cause in a single pass.

Calling one small closure per condition costs a Python call each; a ruleset of a few hundred
conditions then spends most of its time on call overhead. Here the compiled content becomes
straight-line code instead: each field is read once into a local, each condition is an inline
comparison, and the function returns every cause's logit with the signals that fired. The
closures in `compiler` remain the reference semantics, and a property test holds the two to
identical results (same operations in the same order, so the floats match bit for bit).

Only validated content reaches this module: field paths come from the known-field registry,
ops from a fixed vocabulary, and every value is bound as a named constant, never spliced into
the source as text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.content.bundle import Condition

Scorer = Callable[[Mapping[str, Any]], tuple[list[float], list[list[tuple[Any, float]]]]]
FlagChecker = Callable[[Mapping[str, Any]], list[Any]]


class _Source:
    """Accumulates the generated function's lines and the constants it refers to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.field_locals: dict[str, str] = {}

    def constant(self, value: Any) -> str:
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


def _finish(source: _Source, name: str, body_start: int) -> Callable[..., Any]:
    header = [f"def {name}(flat):", "    get = flat.get"]
    header += [
        f"    {local} = get({source.constant(path)})" for path, local in source.field_locals.items()
    ]
    code = "\n".join(header + source.lines[body_start:])
    namespace: dict[str, Any] = dict(source.constants)
    # Safe: only validated content reaches here, and values are bound as named constants.
    exec(compile(code, f"<ruleset {name}>", "exec"), namespace)
    function: Callable[..., Any] = namespace[name]
    return function


def generate_scorer(
    priors: Sequence[float], signals: Sequence[Sequence[tuple[Any, float, Sequence[Condition]]]]
) -> Scorer:
    """A function flat -> (logit per cause, fired (signal, contribution) per cause).

    `signals[i]` lists cause i's (signal object, weight, conditions) in rule order.
    """
    source = _Source()
    source.emit(1, f"logits = [{', '.join(repr(float(p)) for p in priors)}]")
    source.emit(1, f"fired = [{', '.join('[]' for _ in priors)}]")
    for cause_index, cause_signals in enumerate(signals):
        for signal, weight, conditions in cause_signals:
            signal_name = source.constant(signal)
            weight_name = source.constant(weight)

            def on_hold(
                depth: int, i: int = cause_index, s: str = signal_name, w: str = weight_name
            ) -> None:
                source.emit(depth, "if a:")
                source.emit(depth + 1, f"c = {w} * a")
                source.emit(depth + 1, f"logits[{i}] += c")
                source.emit(depth + 1, f"fired[{i}].append(({s}, c))")

            _emit_conditions(source, conditions, 1, on_hold)
    source.emit(1, "return logits, fired")
    scorer: Scorer = _finish(source, "score_causes", 0)
    return scorer


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
