"""The condition operators, each declared once: the field kinds it applies to, the shape of
its value, what it means as Python (the code generator's only source for it) and the
numbers in its value that a counterfactual search tries around.

Everything that reads a condition reads this registry: the compiler checks values against
`value_problem`, the code generator fills in `guard` and `activation`, the counterfactual
search takes `thresholds`, the plan names the operator and the JSON Schema of the plan lists
`OPERATORS`. Adding an operator is one entry here (and, being a new meaning, one case in the
on-device evaluator and in the test oracle, which re-derive it on purpose).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from app.rules.fields import FieldKind, FieldSpec


class ValueShape(StrEnum):
    NONE = "none"  # no value
    ONE = "one"  # one value of the field's kind: a number, true or false, one of its values
    MANY = "many"  # a non-empty list of values of the field's kind
    RANGE = "range"  # [low, high], low <= high
    RAMP = "ramp"  # [low, high], low < high


@dataclass(frozen=True, slots=True)
class Operator:
    """One operator. `guard` and `activation` are Python expressions over `{x}` (the field's
    value, None when missing), `{v}` (the value; a frozenset for MANY), `{low}`, `{high}`,
    `{span}` (a range's ends and width) and `{path}` (the field's path, for `present`)."""

    name: str
    description: str
    kinds: frozenset[FieldKind]
    shape: ValueShape
    guard: str  # true when the condition holds at all
    activation: str = "1.0"  # how much it holds then: 1.0, or a fraction for a ramp

    @property
    def graded(self) -> bool:
        """Whether the activation is a fraction: then only a signal may use the operator
        (a red flag, a silencer, a tip's or an action's condition holds or not)."""
        return self.activation != "1.0"

    def thresholds(self, value: Any) -> tuple[float, ...]:
        """The numbers of the value: the places where the condition can change its mind."""
        if self.shape is ValueShape.NONE or isinstance(value, bool) or value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        return tuple(
            float(item)
            for item in items
            if isinstance(item, int | float) and not isinstance(item, bool)
        )

    def value_problem(self, value: Any, spec: FieldSpec) -> str | None:
        """Why `value` does not fit this operator on `spec`'s field (one of `kinds`), or None
        when it does."""
        if self.shape is ValueShape.NONE:
            return None if value is None else f"{self.name!r} takes no value"
        if spec.kind is FieldKind.BOOL:
            return None if isinstance(value, bool) else "'eq' on a bool field needs true or false"
        if spec.kind is FieldKind.NUMBER:
            return self._number_problem(value)
        return self._choice_problem(value, spec)

    def _number_problem(self, value: Any) -> str | None:
        if self.shape is ValueShape.ONE:
            return None if _is_number(value) else f"{self.name!r} needs a number"
        if self.shape is ValueShape.MANY:
            ok = isinstance(value, list) and value and all(_is_number(v) for v in value)
            return None if ok else f"{self.name!r} needs a non-empty list of numbers"
        pair = value if isinstance(value, list) else []
        if len(pair) != 2 or not all(_is_number(v) for v in pair):
            return f"{self.name!r} needs [low, high]"
        low, high = float(pair[0]), float(pair[1])
        if low > high or (self.shape is ValueShape.RAMP and low == high):
            return f"{self.name!r} needs low < high, got {pair}"
        return None

    def _choice_problem(self, value: Any, spec: FieldSpec) -> str | None:
        """Enum and list fields: the values must be ones the schema can produce."""
        many = self.shape is ValueShape.MANY
        wanted = value if many else [value]
        if (
            not isinstance(wanted, list)
            or not wanted
            or not all(isinstance(v, str) for v in wanted)
        ):
            return f"{self.name!r} needs " + ("a non-empty list of values" if many else "a value")
        unknown = sorted(str(v) for v in wanted if v not in spec.choices)
        if unknown:
            return f"unknown value(s) {unknown} for {spec.path!r}; known: {sorted(spec.choices)}"
        return None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_NUMBER = frozenset({FieldKind.NUMBER})
_SCALARS = frozenset({FieldKind.NUMBER, FieldKind.BOOL, FieldKind.ENUM})


def _compare(name: str, symbol: str, words: str) -> Operator:
    return Operator(
        name, f"the number is {words} the value", _NUMBER, ValueShape.ONE,
        f"{{x}} is not None and {{x}} {symbol} {{v}}",
    )  # fmt: skip


OPERATORS: Final[dict[str, Operator]] = {
    op.name: op
    for op in (
        Operator(
            "present", "the field was given", frozenset(FieldKind), ValueShape.NONE,
            "{path} in flat",
        ),
        Operator(
            "true", "the yes/no field is true", frozenset({FieldKind.BOOL}), ValueShape.NONE,
            "{x} is True",
        ),
        Operator(
            "false", "the yes/no field is false", frozenset({FieldKind.BOOL}), ValueShape.NONE,
            "{x} is False",
        ),
        Operator(
            "eq", "the field equals the value", _SCALARS, ValueShape.ONE,
            "{x} is not None and {x} == {v}",
        ),
        Operator(
            "in", "the field is one of the values (a list)",
            frozenset({FieldKind.NUMBER, FieldKind.ENUM}), ValueShape.MANY, "{x} in {v}",
        ),
        Operator(
            "contains", "the list field holds the value", frozenset({FieldKind.LIST}),
            ValueShape.ONE, "{x} is not None and {v} in {x}",
        ),
        Operator(
            "contains_any", "the list field holds any of the values (a list)",
            frozenset({FieldKind.LIST}), ValueShape.MANY,
            "{x} is not None and not {v}.isdisjoint({x})",
        ),
        _compare("gte", ">=", "at least"),
        _compare("gt", ">", "above"),
        _compare("lte", "<=", "at most"),
        _compare("lt", "<", "below"),
        Operator(
            "between", "[low, high]: the number is in the range, ends included", _NUMBER,
            ValueShape.RANGE, "{x} is not None and {low} <= {x} <= {high}",
        ),
        Operator(
            "ramp_up", "[low, high]: 0 at or below low, 1 at or above high, linear between",
            _NUMBER, ValueShape.RAMP, "{x} is not None and {x} > {low}",
            "(1.0 if {x} >= {high} else ({x} - {low}) / {span})",
        ),
        Operator(
            "ramp_down", "[low, high]: 1 at or below low, 0 at or above high, linear between",
            _NUMBER, ValueShape.RAMP, "{x} is not None and {x} < {high}",
            "(1.0 if {x} <= {low} else ({high} - {x}) / {span})",
        ),
    )
}  # fmt: skip
"""Every operator by name, in the order the bundle schema lists them."""

OPS_BY_KIND: Final[dict[FieldKind, frozenset[str]]] = {
    kind: frozenset(name for name, op in OPERATORS.items() if kind in op.kinds)
    for kind in FieldKind
}
GRADED_OPS: Final = frozenset(name for name, op in OPERATORS.items() if op.graded)
OPERATOR_GUIDE: Final = (
    "How a condition tests its field (a missing field never holds): "
    + "; ".join(f"`{name}`: {op.description}" for name, op in OPERATORS.items())
)
"""The operators in words, for the bundle schema's documentation."""
