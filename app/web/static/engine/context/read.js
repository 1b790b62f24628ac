/**
 * Reading a request body as `POST /v1/assessments` does (app/api/assessments.py,
 * `_read_context`): the context in SI units, the warnings an answer starts with, the symptom
 * words that could not be read, or the 422 problem the server answers.
 */
import { MAX_LISTED, readLeniently, shown } from "./lenient.js";
import { VOCABULARY_VERSION } from "./plan.js";
import { isObject, validateContext } from "./validate.js";
import { symptomWord, tablesOf } from "./words.js";
const PROBLEM_TYPE = "https://tremor-guide.dev/problems/validation";
/** The version's symptom synonyms of the locale (normalised word -> symptom) as a map. */
function synonymMap(synonyms) {
    if (synonyms === undefined)
        return new Map();
    if (synonyms instanceof Map)
        return synonyms;
    const record = synonyms;
    return new Map(Object.keys(record).map((key) => [key, record[key]]));
}
/**
 * Read a body (any JSON value) as the server reads it for `POST /v1/assessments`.
 *
 * `vocabulary`: the plan's `vocabulary` (`vocabulary_plan()`); `synonyms`: the plan's
 * symptom synonyms of the locale ({normalised word: symptom}).
 */
export function readContext(vocabulary, synonyms, raw, options = {}) {
    if (vocabulary.version !== VOCABULARY_VERSION) {
        throw new Error(`vocabulary plan version ${String(vocabulary.version)} is not supported (this reader knows ${VOCABULARY_VERSION})`);
    }
    const strict = options.strict ?? false;
    const locale = options.locale ?? "en";
    const words = synonymMap(synonyms);
    const first = validateContext(vocabulary, raw, "json");
    if (first.ok)
        return { ok: true, context: flatten(vocabulary, first.sections), warnings: [], unknownWords: [] };
    let failed = first.errors;
    if (strict) {
        // Strict refuses any bad field, but a symptom said in other words is not one.
        const named = nameSymptomWords(vocabulary, raw, words);
        if (named !== null) {
            const again = validateContext(vocabulary, named, "python");
            if (again.ok)
                return { ok: true, context: flatten(vocabulary, again.sections), warnings: [], unknownWords: [] };
            failed = again.errors;
        }
    }
    const read = readLeniently(vocabulary, raw, words);
    const unknown = unknownWords(read.issues);
    if (read.context !== null && !strict) {
        return { ok: true, context: flatten(vocabulary, read.context), warnings: asWarnings(read.issues, locale), unknownWords: unknown };
    }
    let errors;
    if (strict && failed.length > MAX_LISTED)
        errors = asErrors(read.fatal, read.issues);
    else if (strict || read.fatal.length === 0)
        errors = failed;
    else
        errors = read.fatal;
    const fieldErrors = errors.map((error) => ({ loc: formatLoc(error.loc), message: error.msg }));
    const named = Array.from(new Set(fieldErrors.slice(0, 5).map((error) => error.loc))).join(", ");
    const problem = {
        type: PROBLEM_TYPE,
        title: "Unprocessable Content",
        status: 422,
        detail: `The request is not valid: ${named}.`,
    };
    const instance = options.instance === undefined ? "/v1/assessments" : options.instance;
    if (instance)
        problem.instance = instance;
    problem.errors = fieldErrors;
    return {
        ok: false,
        problem,
        redFlagContext: read.forRedFlags === null ? null : flatten(vocabulary, read.forRedFlags),
        unknownWords: unknown,
    };
}
/** The body with its symptom words read as the symptoms they name; null when none changed. */
function nameSymptomWords(plan, data, synonyms) {
    const symptoms = isObject(data) ? data.symptoms : undefined;
    if (!isObject(symptoms))
        return null;
    const words = symptoms.associated;
    if (!Array.isArray(words))
        return null;
    const tables = tablesOf(plan);
    const named = words.map((word) => (typeof word === "string" ? symptomWord(tables, synonyms, word) : word));
    if (named.every((word, index) => word === words[index]))
        return null;
    return { ...data, symptoms: { ...symptoms, associated: named } };
}
/** The symptom words a request held that could not be read ("" for one not shown). */
export function unknownWords(issues) {
    return issues.filter((issue) => issue.code === "unknown_symptom").map((issue) => issue.value || "");
}
/** Pydantic's location as the contract shows it (app.core.errors.format_loc). */
export function formatLoc(loc) {
    let parts = loc.slice();
    if (parts.length > 0 && parts[0] === "body")
        parts = parts.slice(1);
    parts = parts.filter((part) => !(typeof part === "string" && part.includes("[")));
    return parts.map(String).join(".") || "body";
}
/** The context as flat values by path and as the given sections, in schema order. */
export function flatten(plan, sections) {
    const values = {};
    const given = {};
    for (const name of plan.section_order) {
        const section = plan.sections[name];
        const fields = sections[name];
        if (fields === undefined)
            continue;
        const provided = {};
        let any = false;
        for (const field of section.order) {
            if (section.fields[field].alternative)
                continue;
            const value = fields[field];
            if (value === null || value === undefined)
                continue;
            provided[field] = values[`${name}.${field}`] = value;
            any = true;
        }
        if (any)
            given[name] = provided;
    }
    return { values, given };
}
const MESSAGES = {
    en: {
        unknown_field: "This field is not one we know, so it was left out.",
        invalid_value_ignored: "This value could not be used ({reason}), so the field was left out.",
        unknown_symptom: "We do not know the symptom {value}, so it was left out. If it worries you, ask a doctor.",
        more_left_out: "{count} more fields were left out; they are not listed.",
    },
    es: {
        unknown_field: "No conocemos este campo, así que no se ha tenido en cuenta.",
        invalid_value_ignored: "Este valor no se pudo usar, así que el campo no se ha tenido en cuenta.",
        unknown_symptom: "No conocemos el síntoma {value}, así que no se ha tenido en cuenta. Si te preocupa, consulta a un médico.",
        more_left_out: "No se han tenido en cuenta {count} campos más; no se enumeran.",
    },
};
/** The issue's text in `locale` (its language part), else in English. */
function issueMessage(issue, locale) {
    const language = locale.split("-", 2)[0].toLowerCase();
    const messages = Object.prototype.hasOwnProperty.call(MESSAGES, language) ? MESSAGES[language] : MESSAGES.en;
    const value = issue.value ? `'${issue.value}'` : locale.slice(0, 2) === "es" ? "indicado" : "you named";
    const count = issue.value || "";
    const fill = { reason: issue.reason.toLowerCase(), value, count };
    return messages[issue.code].replace(/\{(reason|value|count)\}/g, (_, key) => fill[key]);
}
/** The issues in the shape of an answer's `warnings`. */
export function asWarnings(issues, locale) {
    return issues.map((issue) => ({ field: shown(issue.field), code: issue.code, message: issueMessage(issue, locale) }));
}
/** The fatal errors and the issues as one list of errors, as long as a warning list. */
function asErrors(fatal, issues) {
    const listed = issues.filter((issue) => issue.code !== "more_left_out");
    let unlisted = issues.filter((issue) => issue.code === "more_left_out").reduce((sum, issue) => sum + Number(issue.value || 0), 0);
    const errors = fatal.slice(0, MAX_LISTED);
    for (const issue of listed.slice(0, Math.max(MAX_LISTED - errors.length, 0))) {
        errors.push({ type: issue.code, loc: [shown(issue.field)], msg: issue.reason });
    }
    unlisted += fatal.length + listed.length - errors.length;
    if (unlisted > 0)
        errors.push({ type: "more_left_out", loc: ["body"], msg: `${unlisted} more errors not listed` });
    return errors;
}
