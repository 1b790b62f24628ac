/**
 * The condition operators (`app/rules/ops.py`), each as the generated evaluator computes it:
 * 0.0 when the condition does not hold (a missing field never does), else 1.0, or a
 * fraction for a ramp.
 */
/** The operators this package knows; a plan naming another is refused. */
export const OPERATORS = new Set([
    "present",
    "true",
    "false",
    "eq",
    "in",
    "contains",
    "contains_any",
    "gte",
    "gt",
    "lte",
    "lt",
    "between",
    "ramp_up",
    "ramp_down",
]);
function pair(value, op, field) {
    if (!Array.isArray(value) || value.length !== 2) {
        throw new Error(`condition ${op} on ${field} needs [low, high]`);
    }
    return [Number(value[0]), Number(value[1])];
}
/** The test of one condition of the plan. */
export function conditionTest(condition) {
    const { field, op } = condition;
    const value = condition.value === undefined ? null : condition.value;
    switch (op) {
        case "present":
            return (v) => (v[field] !== undefined ? 1.0 : 0.0);
        case "true":
            return (v) => (v[field] === true ? 1.0 : 0.0);
        case "false":
            return (v) => (v[field] === false ? 1.0 : 0.0);
        case "eq":
            return (v) => {
                const x = v[field];
                return x !== undefined && x === value ? 1.0 : 0.0;
            };
        case "in": {
            const wanted = new Set(value);
            return (v) => {
                const x = v[field];
                return x !== undefined && wanted.has(x) ? 1.0 : 0.0;
            };
        }
        case "contains":
            return (v) => {
                const x = v[field];
                return x !== undefined && x.includes(value) ? 1.0 : 0.0;
            };
        case "contains_any": {
            const wanted = new Set(value);
            return (v) => {
                const x = v[field];
                if (x === undefined)
                    return 0.0;
                for (const item of x)
                    if (wanted.has(item))
                        return 1.0;
                return 0.0;
            };
        }
        case "gte": {
            const limit = value;
            return (v) => {
                const x = v[field];
                return x !== undefined && x >= limit ? 1.0 : 0.0;
            };
        }
        case "gt": {
            const limit = value;
            return (v) => {
                const x = v[field];
                return x !== undefined && x > limit ? 1.0 : 0.0;
            };
        }
        case "lte": {
            const limit = value;
            return (v) => {
                const x = v[field];
                return x !== undefined && x <= limit ? 1.0 : 0.0;
            };
        }
        case "lt": {
            const limit = value;
            return (v) => {
                const x = v[field];
                return x !== undefined && x < limit ? 1.0 : 0.0;
            };
        }
        case "between": {
            const [low, high] = pair(value, op, field);
            return (v) => {
                const x = v[field];
                return x !== undefined && low <= x && x <= high ? 1.0 : 0.0;
            };
        }
        case "ramp_up": {
            const [low, high] = pair(value, op, field);
            const span = high - low;
            return (v) => {
                const x = v[field];
                if (x === undefined || !(x > low))
                    return 0.0;
                return x >= high ? 1.0 : (x - low) / span;
            };
        }
        case "ramp_down": {
            const [low, high] = pair(value, op, field);
            const span = high - low;
            return (v) => {
                const x = v[field];
                if (x === undefined || !(x < high))
                    return 0.0;
                return x <= low ? 1.0 : (high - x) / span;
            };
        }
        default:
            throw new Error(`the plan uses an unknown operator ${JSON.stringify(op)} on ${field}`);
    }
}
