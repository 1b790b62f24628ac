/**
 * Validation of a workout context as the server's pydantic models do it (app/workout): the
 * same acceptance rules, the same errors (type, location, pydantic's message) in the same
 * order, the same conversions to SI units. `mode` is the parser the server used: `json`
 * (`model_validate_json`, a body as sent) or `python` (a body read again), which differ only
 * in how a wrong container is named.
 */
import { formatBound, formatG, formatPercent0, roundPy } from "./pyformat.js";
import { activityType, medication, tablesOf, typeOfCode } from "./words.js";
const ACTIVITY_TYPES_HINT_TAIL = " (other for anything else); Apple HealthKit, Android Health Connect, Strava and Garmin " +
    "workout type names are accepted too, and a platform's numeric code as type_code with its source";
const ACTIVITY_TYPE_NUMBER = "a number is not a workout type: the platforms' codes differ (37 is running in Apple " +
    "HealthKit and hiking in Android Health Connect); send the name, or the code as type_code " +
    "with its source";
export function isObject(value) {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
export function has(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
}
/** A fresh object without a prototype, so that any key ("__proto__" too) is a plain key. */
export function blank() {
    return Object.create(null);
}
/**
 * Whether the server sees an integer: JavaScript's JSON prints a whole number below 1e21 as
 * an integer and one above with an exponent (a float, which an integer field refuses). A
 * body read again (`python` mode) was parsed by orjson, which reads an integer beyond
 * 64 bits (above 2^64 - 1, below -2^63) as a float. A JSON text's `5.0` is a float to the
 * server but 5 once parsed here: see the README.
 */
function isInteger(run, value) {
    if (typeof value !== "number" || !Number.isInteger(value) || Math.abs(value) >= 1e21)
        return false;
    if (run.mode === "json")
        return true;
    const digits = String(Math.abs(value));
    const limit = value < 0 ? "9223372036854775808" : "18446744073709551615";
    return digits.length < limit.length || (digits.length === limit.length && digits <= limit);
}
const FAILED = Symbol("failed");
/** Validate a whole context (`WorkoutContext`). */
export function validateContext(plan, data, mode) {
    const run = { plan, tables: tablesOf(plan), mode, errors: [] };
    if (!isObject(data)) {
        run.errors.push(modelType(run, [], "WorkoutContext"));
        return { ok: false, errors: run.errors };
    }
    const sections = {};
    let failed = false;
    for (const name of plan.section_order) {
        const section = plan.sections[name];
        if (!has(data, name)) {
            if (section.required) {
                run.errors.push({ type: "missing", loc: [name], msg: "Field required" });
                failed = true;
            }
            else {
                sections[name] = emptySection(section);
            }
            continue;
        }
        const value = validateModel(run, section, data[name], [name]);
        if (value === FAILED)
            failed = true;
        else
            sections[name] = value;
    }
    failed = extras(run, data, plan.sections, []) || failed;
    return failed ? { ok: false, errors: run.errors } : { ok: true, sections };
}
function emptySection(section) {
    const out = {};
    for (const name of section.order)
        out[name] = null;
    return out;
}
function extras(run, data, known, loc) {
    let found = false;
    for (const key of Object.keys(data)) {
        if (!Object.prototype.hasOwnProperty.call(known, key)) {
            run.errors.push({ type: "extra_forbidden", loc: [...loc, key], msg: "Extra inputs are not permitted" });
            found = true;
        }
    }
    return found;
}
function modelType(run, loc, model) {
    const msg = run.mode === "json" ? "Input should be an object" : `Input should be a valid dictionary or instance of ${model}`;
    return { type: "model_type", loc, msg };
}
function describedOf(field) {
    return { fields: field.fields, order: field.order, model: field.model };
}
function validateModel(run, model, raw, loc) {
    if (!isObject(raw)) {
        run.errors.push(modelType(run, loc, model.model));
        return FAILED;
    }
    const data = model.model === "Activity" ? eitherForm(run, model, raw) : raw;
    const out = {};
    let failed = false;
    for (const name of model.order) {
        const field = model.fields[name];
        const here = [...loc, name];
        if (!has(data, name)) {
            if (field.required) {
                run.errors.push({ type: "missing", loc: here, msg: "Field required" });
                failed = true;
            }
            else {
                out[name] = null;
            }
            continue;
        }
        const value = validateField(run, field, data[name], here);
        if (value === FAILED) {
            failed = true;
            continue;
        }
        const problem = afterField(run, model, name, value, out);
        if (problem !== undefined) {
            run.errors.push({ ...problem, loc: here });
            failed = true;
            continue;
        }
        out[name] = value;
    }
    failed = extras(run, data, model.fields, loc) || failed;
    if (failed)
        return FAILED;
    afterModel(run, model, out);
    return out;
}
function validateField(run, field, value, loc) {
    if (value === null && !field.required)
        return null;
    switch (field.kind) {
        case "number":
            if (typeof value !== "number")
                return fail(run, loc, "float_type", "Input should be a valid number");
            return bounded(run, field, value, loc);
        case "integer":
            if (!isInteger(run, value))
                return fail(run, loc, "int_type", "Input should be a valid integer");
            return bounded(run, field, value, loc);
        case "bool":
            if (typeof value !== "boolean")
                return fail(run, loc, "bool_type", "Input should be a valid boolean");
            return value;
        case "enum":
            return validateEnum(run, field, value, loc);
        case "list":
            return validateList(run, field, value, loc);
        case "object":
            return validateModel(run, describedOf(field), value, loc);
    }
}
function fail(run, loc, type, msg) {
    run.errors.push({ type, loc, msg });
    return FAILED;
}
function bounded(run, field, value, loc) {
    if (field.gt !== undefined && !(value > field.gt))
        return fail(run, loc, "greater_than", `Input should be greater than ${formatBound(field.gt)}`);
    if (field.ge !== undefined && !(value >= field.ge))
        return fail(run, loc, "greater_than_equal", `Input should be greater than or equal to ${formatBound(field.ge)}`);
    if (field.lt !== undefined && !(value < field.lt))
        return fail(run, loc, "less_than", `Input should be less than ${formatBound(field.lt)}`);
    if (field.le !== undefined && !(value <= field.le))
        return fail(run, loc, "less_than_equal", `Input should be less than or equal to ${formatBound(field.le)}`);
    return value;
}
function enumMessage(values) {
    const quoted = values.map((value) => `'${value}'`);
    if (quoted.length === 1)
        return `Input should be ${quoted[0]}`;
    return `Input should be ${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
}
function validateEnum(run, field, raw, loc) {
    const values = run.plan.enums[field.enum];
    let value = raw;
    if (field.read_through === "activity_types") {
        // Activity._platform_names
        if (isInteger(run, value))
            return fail(run, loc, "activity_type_number", ACTIVITY_TYPE_NUMBER);
        if (typeof value === "string") {
            const kind = activityType(run.tables, value);
            if (kind === undefined) {
                const hint = `use one of: ${values.join(", ")}${ACTIVITY_TYPES_HINT_TAIL}`;
                return fail(run, loc, "activity_type", `unknown activity type; ${hint}`);
            }
            value = kind;
        }
    }
    if (typeof value === "string" && values.includes(value))
        return value;
    return fail(run, loc, "enum", enumMessage(values));
}
function validateList(run, field, raw, loc) {
    let value = raw;
    if (field.read_through === "medications" && Array.isArray(value)) {
        value = value.map((item) => medication(run.tables, item)); // HealthInfo._generic_names
    }
    if (!Array.isArray(value)) {
        const msg = run.mode === "json" ? "Input should be a valid array" : "Input should be a valid list";
        return fail(run, loc, "list_type", msg);
    }
    const max = field.max_items;
    if (max !== undefined && value.length > max) {
        const items = max === 1 ? "item" : "items";
        return fail(run, loc, "too_long", `List should have at most ${max} ${items} after validation, not ${value.length}`);
    }
    const out = [];
    let failed = false;
    value.forEach((item, index) => {
        const checked = validateField(run, { ...field.items, required: true }, item, [...loc, index]);
        if (checked === FAILED)
            failed = true;
        else
            out.push(checked);
    });
    return failed ? FAILED : out;
}
// --- The models' own validators ----------------------------------------------------------
/** The fields of `model` whose unit makes them a share of another field (body mass change). */
function shareUnit(model, name) {
    const unit = model.fields[name]?.unit;
    if (unit === undefined)
        return undefined;
    if (unit.percent_of !== undefined)
        return { share: unit, pctOf: name };
    const target = model.fields[unit.si_field]?.unit;
    if (target?.percent_of !== undefined)
        return { share: target, pctOf: unit.si_field, lb: unit };
    return undefined;
}
function toSi(unit, value) {
    let out = value;
    if (unit.offset)
        out = out + unit.offset;
    out = out * unit.factor;
    if (unit.divisor !== undefined && unit.divisor !== 1.0)
        out = out / unit.divisor;
    return out;
}
function agrees(run, unit, si, converted) {
    const tolerance = Math.max(unit.abs_tolerance ?? 0, (unit.rel_tolerance ?? 0) * Math.abs(si));
    return Math.abs(si - converted) <= tolerance + run.plan.units.agreement_slack;
}
function disagreement(unit) {
    let tolerance = `${formatG(unit.abs_tolerance ?? 0)} ${unit.si_unit ?? ""}`;
    if (unit.rel_tolerance)
        tolerance += ` or ${formatPercent0(unit.rel_tolerance)}`;
    return {
        type: "unit_mismatch",
        msg: `does not match ${unit.si_field} (they differ by more than ${tolerance}); send one of the two, or both describing the same value`,
    };
}
/** The body mass in kg from whichever form was sent (kg wins when both were). */
function massOf(model, values, massField) {
    const mass = values[massField];
    if (typeof mass === "number")
        return mass;
    for (const name of model.order) {
        const unit = model.fields[name].unit;
        const value = values[name];
        if (unit?.si_field === massField && unit.factor !== undefined && typeof value === "number") {
            return value * unit.factor;
        }
    }
    return null;
}
function afterField(run, model, name, value, data) {
    if (value === null)
        return undefined;
    const field = model.fields[name];
    if (field.stands_for !== undefined && isObject(value))
        return codeAgrees(run, model, field, value, data);
    if (!field.alternative || field.unit === undefined || typeof value !== "number")
        return undefined;
    const share = shareUnit(model, name);
    if (share !== undefined)
        return changeToPct(run, model, share, name, value, data);
    // check_alias
    const si = data[field.unit.si_field];
    if (typeof si === "number" && !agrees(run, field.unit, si, toSi(field.unit, value)))
        return disagreement(field.unit);
    return undefined;
}
function codeAgrees(run, model, field, value, data) {
    const source = value.source;
    const code = value.code;
    const kind = typeOfCode(run.tables, source, code);
    if (kind === undefined)
        return { type: "activity_type_code", msg: `unknown ${source} workout type code` };
    const named = data[field.stands_for];
    if (named !== null && named !== undefined && named !== kind) {
        return {
            type: "activity_type_mismatch",
            msg: `${source} code ${code} is ${kind}, which does not match type (${String(named)}); send one of the two, or both naming the same workout`,
        };
    }
    void model;
    return undefined;
}
function changeToPct(run, model, share, name, value, data) {
    let valueKg = value;
    if (share.lb !== undefined) {
        const changeKg = data[share.pctOf];
        if (typeof changeKg === "number" && !agrees(run, share.lb, changeKg, toSi(share.lb, value)))
            return disagreement(share.lb);
        valueKg = value * share.lb.factor;
    }
    void name;
    const mass = massOf(model, data, share.share.percent_of);
    if (mass === null) {
        return {
            type: "body_mass_missing",
            msg: "needs body_mass_kg or body_mass_lb (the weight before the session) to become body_mass_change_pct",
        };
    }
    const pct = roundPy((100.0 * valueKg) / mass, run.plan.units.si_decimals);
    const range = model.fields[share.share.si_field];
    const low = range.ge ?? -Infinity;
    const high = range.le ?? Infinity;
    if (!(low <= pct && pct <= high)) {
        return {
            type: "body_mass_change_range",
            msg: `amounts to a change outside ${formatG(low)} % to +${formatG(high)} % of body mass, the range of ${share.share.si_field}`,
        };
    }
    const given = data[share.share.si_field];
    if (typeof given === "number" && !agrees(run, share.share, given, pct))
        return disagreement(share.share);
    return undefined;
}
/** Activity._either_form: a required field filled from its other form before validation. */
function eitherForm(run, model, data) {
    const needed = model.order.filter((name) => model.fields[name].required);
    if (needed.every((name) => has(data, name)))
        return data;
    const filled = blank();
    for (const key of Object.keys(data))
        filled[key] = data[key];
    for (const name of model.order) {
        const field = model.fields[name];
        if (field.stands_for !== undefined && !has(data, field.stands_for)) {
            const raw = data[name];
            if (isObject(raw) && typeof raw.source === "string" && isInteger(run, raw.code)) {
                const kind = typeOfCode(run.tables, raw.source, raw.code);
                if (kind !== undefined)
                    filled[field.stands_for] = kind;
            }
        }
        const unit = field.unit;
        if (field.alternative && unit !== undefined && model.fields[unit.si_field]?.required && !has(data, unit.si_field)) {
            const raw = data[name];
            // `raw / 60.0` in the server (Activity._minutes_of): its one alternative required field
            if (typeof raw === "number" && raw > 0 && raw <= (field.le ?? Infinity)) {
                const minutes = roundPy(raw / Math.round(1 / unit.factor), run.plan.units.si_decimals);
                if (minutes > 0)
                    filled[unit.si_field] = minutes;
            }
        }
    }
    return filled;
}
/** The models' after validators: other units into their SI fields, repeated entries dropped. */
function afterModel(run, model, values) {
    const decimals = run.plan.units.si_decimals;
    for (const name of model.order) {
        const unit = model.fields[name].unit;
        if (unit?.percent_of === undefined || values[unit.si_field] !== null)
            continue;
        const mass = massOf(model, values, unit.percent_of);
        if (mass === null)
            continue;
        let change = values[name];
        if (typeof change !== "number") {
            change = null;
            for (const other of model.order) {
                const otherUnit = model.fields[other].unit;
                const value = values[other];
                if (otherUnit?.si_field === name && typeof value === "number")
                    change = value * otherUnit.factor;
            }
        }
        if (typeof change === "number")
            values[unit.si_field] = roundPy((100.0 * change) / mass, decimals);
    }
    for (const name of model.order) {
        const field = model.fields[name];
        const unit = field.unit;
        if (!field.alternative || unit?.factor === undefined || model.fields[unit.si_field]?.alternative)
            continue;
        const value = values[name];
        if (typeof value !== "number")
            continue;
        if (values[unit.si_field] === null)
            values[unit.si_field] = roundPy(toSi(unit, value), decimals);
    }
    for (const name of model.order) {
        const field = model.fields[name];
        if (field.alternative)
            values[name] = null;
        const value = values[name];
        if (field.kind === "list" && Array.isArray(value) && value.length > 1) {
            const unique = Array.from(new Set(value));
            if (unique.length < value.length)
                values[name] = unique;
        }
    }
}
