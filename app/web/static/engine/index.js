/**
 * @tremor-guide/engine: a tremor-guide content plan evaluated on the device.
 *
 * `assess(plan, context, options)` answers a workout context as `POST /v1/assessments` does
 * for the plan's version and locale: the same answer (with `assessment_id: null`), or for a
 * body the server refuses the same 422 problem (with the triage of any red flag it shows).
 * The halves it joins are exported too: `readContext` (the body read as the server reads it)
 * and `answer` (a read context answered).
 */
import { readContext } from "./context/read.js";
import { answer } from "./engine/answer.js";
import { prepare } from "./engine/prepare.js";
export { readContext, flatten, formatLoc, asWarnings, unknownWords } from "./context/read.js";
export { VOCABULARY_VERSION } from "./context/plan.js";
export { answer, sigmoid, DEFAULT_LIMIT, addDerived, PLAN_FORMAT, PlanFormatError, checkPlan, prepare } from "./engine/index.js";
/** True for the problem of a refused body, false for an answer. */
export function isProblem(result) {
    return result.kind !== "assessment";
}
export const MIN_LIMIT = 1;
export const MAX_LIMIT = 50;
/** A body over this many bytes (as JSON) holding this many values or more is refused whole,
 * unread, as the server does (app/api/assessments.py `_read_json`). */
const COUNTED_ABOVE_BYTES = 65536;
const MAX_BODY_VALUES = 20000;
const TOO_MANY_VALUES = `holds more than ${MAX_BODY_VALUES.toLocaleString("en-US")} values (counted by its commas and brackets)`;
const ready = new WeakMap();
/** The plan checked (format, once per plan object) and its reading data. */
function readyPlan(planData) {
    if (planData !== null && typeof planData === "object") {
        const found = ready.get(planData);
        if (found !== undefined)
            return found;
    }
    const plan = prepare(planData).plan; // throws PlanFormatError for another format
    const synonyms = plan.symptom_synonyms ?? {};
    const made = {
        vocabulary: plan.vocabulary,
        synonyms: new Map(Object.keys(synonyms).map((word) => [word, synonyms[word]])),
        locale: plan.locale,
    };
    ready.set(plan, made);
    return made;
}
/**
 * The answer of `POST /v1/assessments?limit=&strict=` for `context` (any JSON value, as the
 * app would send it), from the version's plan in its locale
 * (`GET /v1/content/versions/{version}/plan?locale=`): `assessment_id` is null (an offline
 * answer takes no feedback). A body the server refuses gives its 422 problem instead, with
 * `triage` when what is left of it shows a red flag.
 *
 * Throws `PlanFormatError` for a plan of another `plan_format`, `RangeError` for a limit
 * outside 1..50; never for a body.
 */
export function assess(plan, context, options = {}) {
    const limit = options.limit === undefined ? 5 : options.limit;
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < MIN_LIMIT || limit > MAX_LIMIT) {
        throw new RangeError(`limit must be an integer from ${MIN_LIMIT} to ${MAX_LIMIT}, got ${String(limit)}`);
    }
    const { vocabulary, synonyms, locale } = readyPlan(plan);
    if (tooManyValues(context)) {
        return {
            type: "https://tremor-guide.dev/problems/validation",
            title: "Unprocessable Content",
            status: 422,
            detail: "The request is not valid: body.",
            instance: "/v1/assessments",
            errors: [{ loc: "body", message: TOO_MANY_VALUES }],
        };
    }
    const reading = readContext(vocabulary, synonyms, context, { strict: options.strict === true, locale });
    if (reading.ok) {
        return answer(plan, {
            values: reading.context.values,
            given: reading.context.given,
            warnings: reading.warnings,
            unknownWords: reading.unknownWords,
        }, { limit });
    }
    const problem = reading.problem;
    if (reading.redFlagContext !== null) {
        // The server's `_red_flag_triage`: the triage of what is left, when it has reasons.
        const triage = answer(plan, {
            values: reading.redFlagContext.values,
            given: reading.redFlagContext.given,
            unknownWords: reading.unknownWords,
        }, { limit: 1 }).triage;
        if (triage.reasons.length > 0)
            problem.triage = triage;
    }
    return problem;
}
/** Whether the server refuses the body unread: over 64 KiB as JSON and holding 20,000 values
 * or more, counted by its commas and brackets (those inside strings too). */
function tooManyValues(body) {
    if (body === null || typeof body !== "object")
        return false;
    let count = 0;
    const stack = [body];
    while (stack.length > 0) {
        const value = stack.pop();
        if (typeof value === "string") {
            count += countMarks(value);
        }
        else if (Array.isArray(value)) {
            count += 1 + Math.max(value.length - 1, 0);
            for (const item of value)
                stack.push(item);
        }
        else if (value !== null && typeof value === "object") {
            const keys = Object.keys(value);
            count += 1 + Math.max(keys.length - 1, 0);
            for (const key of keys) {
                count += countMarks(key);
                stack.push(value[key]);
            }
        }
        if (count >= MAX_BODY_VALUES)
            break;
    }
    if (count < MAX_BODY_VALUES)
        return false;
    let text;
    try {
        text = JSON.stringify(body);
    }
    catch {
        return false; // nested too deep to write out: the reader's depth bound leaves it out
    }
    return utf8Length(text) > COUNTED_ABOVE_BYTES;
}
function countMarks(text) {
    let count = 0;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 44 || c === 91 || c === 123)
            count++; // , [ {
    }
    return count;
}
function utf8Length(text) {
    let length = 0;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c < 0x80)
            length += 1;
        else if (c < 0x800)
            length += 2;
        else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
            length += 4;
            i++;
        }
        else
            length += 3;
    }
    return length;
}
