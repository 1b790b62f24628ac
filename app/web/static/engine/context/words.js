/** The words of a context read through the plan's tables: activity types, drugs, symptoms. */
import { codePoints } from "./pyformat.js";
const cache = new WeakMap();
function asMap(record) {
    return new Map(Object.keys(record).map((key) => [key, record[key]]));
}
export function tablesOf(plan) {
    let tables = cache.get(plan);
    if (tables === undefined) {
        const types = plan.activity_types;
        const codes = new Map();
        for (const source of Object.keys(types.codes)) {
            const bySource = types.codes[source];
            codes.set(source, new Map(Object.keys(bySource).map((code) => [code, bySource[code].type])));
        }
        tables = {
            activityAliases: asMap(types.aliases),
            activityPrefixes: types.key.prefixes_dropped,
            activityRemoved: new RegExp(types.key.removed, "g"),
            activityNameOk: new RegExp(`^(?:${types.name_pattern})$`),
            codes,
            medications: asMap(plan.medications.aliases),
            medicationKey: plan.medications.key,
            medicationMax: plan.medications.max_length,
            symptomWords: asMap(plan.symptom_words.words),
            symptomKey: plan.symptom_words.key,
            symptomMax: plan.symptom_words.max_length,
        };
        cache.set(plan, tables);
    }
    return tables;
}
/** A word keyed as the plan says: (accents removed,) lowercase, runs of separators joined. */
export function keyWord(word, key) {
    let text = word;
    if (key.unicode !== undefined) {
        // NFKD, then only its ASCII characters
        text = (typeof text.normalize === "function" ? text.normalize("NFKD") : text).replace(/[^\x00-\x7f]/g, "");
    }
    if (key.lowercase)
        text = text.toLowerCase();
    text = text.replace(new RegExp(key.separators, "g"), key.joiner);
    if (key.strip_joiner && key.joiner !== "") {
        while (text.startsWith(key.joiner))
            text = text.slice(key.joiner.length);
        while (text.endsWith(key.joiner))
            text = text.slice(0, text.length - key.joiner.length);
    }
    return text;
}
/** The activity type a name stands for (any case and separators, platform names); undefined
 * for a name the server refuses. */
export function activityType(tables, raw) {
    if (!tables.activityNameOk.test(raw))
        return undefined;
    let key = raw.toLowerCase().replace(tables.activityRemoved, "");
    for (const prefix of tables.activityPrefixes) {
        if (key.startsWith(prefix) && key !== prefix) {
            key = key.slice(prefix.length);
            break;
        }
    }
    return tables.activityAliases.get(key);
}
/** The type of a platform's workout code; undefined for a code the table lacks. */
export function typeOfCode(tables, source, code) {
    return tables.codes.get(source)?.get(String(code));
}
/** A drug class, or the class of a known generic name; anything else as it came. */
export function medication(tables, raw) {
    if (typeof raw !== "string" || codePoints(raw) > tables.medicationMax)
        return raw;
    return tables.medications.get(keyWord(raw, tables.medicationKey)) ?? raw;
}
/** A symptom word read as the symptom it names (any spelling, or a synonym), else as it came. */
export function symptomWord(tables, synonyms, word) {
    if (tables.symptomWords.has(word) || codePoints(word) > tables.symptomMax)
        return word;
    const key = keyWord(word, tables.symptomKey);
    return tables.symptomWords.get(key) || synonyms.get(key) || word;
}
