/**
 * The fail-safe reading of a body, as `app.workout.lenient.read_leniently` does it: each
 * optional field that is unknown or invalid is left out and reported, validation repeated
 * until what is left is valid; a required part that is unusable is replaced by a stand-in so
 * the red flags can still be checked.
 */
import { codePoints, compareCodePoints } from "./pyformat.js";
import { blank, has, isObject, validateContext } from "./validate.js";
import { symptomWord, tablesOf } from "./words.js";
export const MAX_ROUNDS = 12;
export const MAX_DEPTH = 8;
export const MAX_ITEMS = 1000;
export const MAX_LISTED = 20;
export const MAX_NAME_SHOWN = 100;
const TOO_LARGE = `is nested deeper than ${MAX_DEPTH} levels or holds more than ${MAX_ITEMS} entries`;
const STAND_IN = { type: "other", duration_min: 1 };
const PLAIN_WORD = /^[A-Za-z][A-Za-z0-9 _-]{0,39}$/;
function isRequired(loc) {
    if (loc.length === 0)
        return true;
    if (loc.length === 1)
        return loc[0] === "activity";
    return loc.length === 2 && loc[0] === "activity" && (loc[1] === "type" || loc[1] === "duration_min");
}
export function readLeniently(plan, data, synonyms) {
    if (!isObject(data)) {
        const checked = validateContext(plan, data, "python");
        const errors = checked.ok ? [] : checked.errors.slice(0, MAX_LISTED);
        return { context: null, issues: [], fatal: errors, forRedFlags: null };
    }
    const bounded = boundedBody(plan, data);
    const body = bounded.body;
    symptomWordAsList(plan, body, synonyms);
    const issues = [...bounded.leftOut];
    const fatal = [...bounded.fatal];
    let errors = [];
    for (let round = 0; round < MAX_ROUNDS; round++) {
        const checked = validateContext(plan, body, "python");
        if (checked.ok) {
            const listed = listedIssues(issues, bounded.unlisted);
            if (fatal.length > 0)
                return { context: null, issues: listed, fatal, forRedFlags: checked.sections };
            return { context: checked.sections, issues: listed, fatal: [], forRedFlags: checked.sections };
        }
        errors = checked.errors;
        const removable = [];
        for (const error of errors) {
            const loc = error.loc.map(String);
            if (isRequired(loc)) {
                fatal.push(error);
                standIn(body, loc);
            }
            else {
                removable.push(error);
            }
        }
        if (removable.length === 0 && fatal.length === 0)
            break;
        // Deepest and highest list index first, so removing one entry moves no other.
        const ordered = removable.slice().sort((a, b) => -compareLoc(a.loc, b.loc));
        for (const error of ordered) {
            const issue = leaveOut(body, error);
            if (issue !== null)
                issues.push(issue);
        }
    }
    const listed = listedIssues(issues, bounded.unlisted);
    return { context: null, issues: listed, fatal: fatal.length > 0 ? fatal : errors.slice(0, MAX_LISTED), forRedFlags: null };
}
/** Python's order of `_sort_key(loc)`: (0, index) before (1, name), element by element. */
function compareLoc(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
        const x = a[i];
        const y = b[i];
        const kx = typeof x === "number" ? 0 : 1;
        const ky = typeof y === "number" ? 0 : 1;
        if (kx !== ky)
            return kx - ky;
        const c = typeof x === "number" ? x - y : compareCodePoints(x, y);
        if (c !== 0)
            return c < 0 ? -1 : 1;
    }
    return a.length - b.length;
}
function listedIssues(issues, unlisted) {
    const more = unlisted + Math.max(issues.length - MAX_LISTED, 0);
    if (more === 0)
        return issues;
    return [
        ...issues.slice(0, MAX_LISTED),
        { field: "", code: "more_left_out", reason: `${more} more not listed`, value: String(more) },
    ];
}
class TooLarge extends Error {
}
function boundedCopy(value, depthLeft, budget) {
    if (Array.isArray(value)) {
        budget[0] = budget[0] - value.length;
        if (depthLeft <= 0 || budget[0] < 0)
            throw new TooLarge();
        return value.map((item) => boundedCopy(item, depthLeft - 1, budget));
    }
    if (isObject(value)) {
        const keys = Object.keys(value);
        budget[0] = budget[0] - keys.length;
        if (depthLeft <= 0 || budget[0] < 0)
            throw new TooLarge();
        const out = blank();
        for (const key of keys)
            out[key] = boundedCopy(value[key], depthLeft - 1, budget);
        return out;
    }
    return value;
}
function unknownNames(container, known) {
    const keys = Object.keys(container);
    const unknown = keys.filter((key) => !Object.prototype.hasOwnProperty.call(known, key));
    return [unknown.slice(0, MAX_LISTED), Math.max(unknown.length - MAX_LISTED, 0)];
}
function boundedBody(plan, data) {
    const body = blank();
    const leftOut = [];
    const fatal = [];
    const [unknown, more] = unknownNames(data, plan.sections);
    let unlisted = more;
    const copyInto = (target, key, value, loc) => {
        try {
            target[key] = boundedCopy(value, MAX_DEPTH - loc.length, [MAX_ITEMS]);
        }
        catch (error) {
            if (!(error instanceof TooLarge))
                throw error;
            tooLarge(body, loc, leftOut, fatal);
        }
    };
    for (const name of plan.section_order) {
        if (!has(data, name))
            continue;
        const section = data[name];
        if (!isObject(section)) {
            copyInto(body, name, section, [name]);
            continue;
        }
        const fields = plan.sections[name].fields;
        const [names, beyond] = unknownNames(section, fields);
        unlisted += beyond;
        const copy = blank();
        for (const unknownName of names)
            copy[unknownName] = null;
        body[name] = copy;
        const knownKeys = Object.keys(section).filter((key) => Object.prototype.hasOwnProperty.call(fields, key));
        for (const key of knownKeys.sort(compareCodePoints))
            copyInto(copy, key, section[key], [name, key]);
    }
    for (const name of unknown)
        body[name] = null;
    return { body, leftOut, fatal, unlisted };
}
function isSymptomList(loc) {
    return loc[0] === "symptoms" && loc[1] === "associated";
}
function tooLarge(body, loc, leftOut, fatal) {
    const required = isRequired(loc) && loc.length > 0;
    if (required || (loc.length >= 2 && isSymptomList(loc))) {
        fatal.push({ type: "too_large", loc, msg: TOO_LARGE });
        if (required)
            standIn(body, loc);
        return;
    }
    if (loc.length === 1)
        delete body[loc[0]];
    leftOut.push({ field: loc.join("."), code: "invalid_value_ignored", reason: TOO_LARGE, value: null });
}
function symptomWordAsList(plan, body, synonyms) {
    const symptoms = body.symptoms;
    if (!isObject(symptoms))
        return;
    let associated = symptoms.associated;
    if (typeof associated === "string")
        associated = [associated];
    if (Array.isArray(associated)) {
        const tables = tablesOf(plan);
        const words = associated.filter((w) => typeof w === "string").map((w) => symptomWord(tables, synonyms, w));
        const others = associated.filter((w) => typeof w !== "string");
        symptoms.associated = [...Array.from(new Set(words)), ...others];
    }
}
function standIn(body, loc) {
    const activity = body.activity;
    if (!isObject(activity) || loc.length <= 1) {
        const copy = blank();
        for (const key of Object.keys(STAND_IN))
            copy[key] = STAND_IN[key];
        body.activity = copy;
        return;
    }
    activity[loc[1]] = STAND_IN[loc[1]];
}
function holds(container, key) {
    if (isObject(container))
        return typeof key === "string" && has(container, key);
    return Array.isArray(container) && typeof key === "number" && key >= 0 && key < container.length;
}
function leaveOut(body, error) {
    let path = error.loc.filter((part) => !(typeof part === "string" && part.includes("[")));
    if (error.type === "missing" && path.length > 2)
        path = path.slice(0, -1);
    if (path.length === 0)
        return null;
    let parent = body;
    for (const part of path.slice(0, -1)) {
        if (!holds(parent, part))
            return null;
        parent = parent[part];
    }
    const last = path[path.length - 1];
    if (!holds(parent, last))
        return null;
    let value;
    if (Array.isArray(parent)) {
        value = parent.splice(last, 1)[0];
    }
    else {
        const container = parent;
        value = container[last];
        delete container[last];
    }
    const isSymptom = path.length === 3 && isSymptomList(path);
    const named = typeof last === "number" ? path.slice(0, -1) : path;
    const field = named.map(String).join(".");
    if (error.type === "extra_forbidden")
        return { field, code: "unknown_field", reason: error.msg, value: null };
    if (isSymptom) {
        const word = typeof value === "string" && PLAIN_WORD.test(value) ? value : null;
        return { field, code: "unknown_symptom", reason: error.msg, value: word };
    }
    return { field, code: "invalid_value_ignored", reason: error.msg, value: null };
}
/** A field's name as a warning names it: a name of a megabyte is not echoed whole. */
export function shown(name) {
    return codePoints(name) <= MAX_NAME_SHOWN ? name : [...name].slice(0, MAX_NAME_SHOWN).join("") + "…";
}
