/**
 * The answer of `POST /v1/assessments` worked out from a plan and a read context: the port of
 * the generated evaluator (conditions, logits, red flags, plausibility), `app/rules/triage.py`,
 * `answer.py`, `evidence.py`, `actions.py` and `scores.py`, float for float.
 */
import { addDerived } from "./derived.js";
import { exp } from "./exp.js";
import { prepare } from "./prepare.js";
import { pyRound, pyRoundDigits, pyRoundScaled } from "./pyfloat.js";
const DISPOSITION_ORDER = {
    self_care: 0,
    see_clinician_soon: 1,
    see_clinician_today: 2,
    emergency_department: 3,
    call_emergency_number: 4,
};
const LEVEL_OF = {
    self_care: "self_care",
    see_clinician_soon: "consult",
    see_clinician_today: "consult",
    emergency_department: "urgent",
    call_emergency_number: "urgent",
};
export const DEFAULT_LIMIT = 5;
export function sigmoid(logit) {
    if (logit >= 0)
        return 1.0 / (1.0 + exp(-logit));
    const e = exp(logit);
    return e / (1.0 + e);
}
/** The answer for a read context, in the plan's locale. */
export function answer(plan, reading, options = {}) {
    const p = prepare(plan);
    const limits = p.plan.limits;
    const limit = options.limit === undefined ? DEFAULT_LIMIT : options.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > limits.max_limit) {
        throw new RangeError(`limit must be between 1 and ${limits.max_limit}, got ${limit}`);
    }
    if (options.explain) {
        throw new Error("explain=counterfactuals is not supported by this evaluator yet: ask the server for " +
            "counterfactuals");
    }
    const values = { ...reading.values };
    for (const key of Object.keys(values)) {
        if (values[key] === null || values[key] === undefined || key.startsWith("derived.")) {
            delete values[key];
        }
    }
    addDerived(p.plan, values);
    const conditions = p.tests.map((test) => test(values));
    const logits = p.causes.map((cause) => logitOf(cause, conditions));
    const fired = p.plan.red_flags.filter((flag) => flag.when.every((position) => conditions[position]) &&
        !flag.unless.some((position) => conditions[position]));
    let decision = decide(p, fired);
    const words = reading.unknownWords ?? [];
    if (words.length)
        decision = withUnknownWords(p, decision, words);
    const triage = decision.triage;
    const level = triage.level;
    let order = rank(p, logits);
    if (decision.conditions.length)
        order = demote(order, decision.conditions);
    const top = order.slice(0, limits.top_causes_considered);
    const ranked = order.slice(0, Math.max(limit, limits.top_causes_considered));
    const scores = ranked.map((index) => sigmoid(logits[index]));
    const fallen = [];
    const causes = order
        .slice(0, limit)
        .map((index, n) => writeCause(p, p.causes[index], values, conditions, n + 1, scores[n], fallen));
    const warnings = [...(reading.warnings ?? [])];
    const fallenWarnings = [];
    for (const check of p.plan.plausibility.checks) {
        if (implausible(p, check, values)) {
            warnings.push({ field: check.field, code: check.code, message: check.message });
            if (check.fallback)
                fallenWarnings.push(check.fallback);
        }
    }
    let hidden = p.hiddenWithoutFlags;
    const contraindicated = new Set();
    for (const [position, tip] of p.tipConditions) {
        if (conditions[position])
            contraindicated.add(tip);
    }
    if (fired.length) {
        const ids = fired.map((flag) => flag.id);
        hidden = new Set();
        p.plan.tips.forEach((tip, n) => {
            if (tip.hidden_at.includes(level) || tip.hidden_by.some((id) => ids.includes(id))) {
                hidden.add(n);
            }
        });
    }
    if (contraindicated.size)
        hidden = new Set([...hidden, ...contraindicated]);
    const actingNow = level === "urgent" || decision.conditions.length > 0;
    const tipIndexes = decision.conditions.length
        ? careTips(p, decision.conditions[0].tips, hidden)
        : rankedTips(p, top, scores, hidden);
    const tips = tipIndexes.map((tip, n) => tipItem(p, tip, n + 1, values, conditions));
    const questions = actingNow ? [] : followUps(p, top, values);
    const fallbackItems = p.fallbacks.size
        ? [...fallenTexts(p, triage, fallen, tips, questions), ...fallenWarnings]
        : fallenWarnings;
    return {
        kind: "assessment",
        assessment_id: null,
        content_version: p.plan.content_version,
        locale: p.plan.locale,
        triage,
        causes,
        tips,
        follow_up_questions: questions,
        disclaimer: p.plan.disclaimer,
        normalized_context: reading.given,
        warnings,
        fallback_items: fallbackItems,
    };
}
/** prior + weight x activation, signal by signal: the generated code's float operations. */
function logitOf(cause, conditions) {
    let logit = cause.cause.prior;
    for (const signal of cause.signals) {
        const positions = signal.conditions;
        let activation = conditions[positions[0]];
        for (let i = 1; i < positions.length; i++)
            activation = activation * conditions[positions[i]];
        if (signal.silencers.length) {
            const silenced = signal.silencers.some((position) => conditions[position]);
            activation = activation * (silenced ? 0.0 : 1.0);
        }
        logit = logit + signal.weight * activation;
    }
    return logit;
}
/** Cause indexes, best first: exact ties in tie order; gated causes only when raised. */
function rank(p, logits) {
    let candidates = p.tieOrder;
    if (p.gated.length) {
        if (p.gated.some(([index, prior]) => logits[index] > prior)) {
            const raised = new Set(p.gated.filter(([i, prior]) => logits[i] > prior).map(([i]) => i));
            const gated = new Set(p.gated.map(([i]) => i));
            candidates = p.tieOrder.filter((i) => raised.has(i) || !gated.has(i));
        }
        else {
            candidates = p.openOrder;
        }
    }
    return candidates
        .slice()
        .sort((a, b) => (logits[b] > logits[a] ? 1 : logits[b] < logits[a] ? -1 : 0));
}
function demote(order, suspected) {
    const demoted = new Set();
    for (const condition of suspected)
        for (const n of condition.demotes)
            demoted.add(n);
    if (!demoted.size)
        return order;
    return [...order.filter((i) => !demoted.has(i)), ...order.filter((i) => demoted.has(i))];
}
function decide(p, fired) {
    const texts = p.plan.triage;
    if (!fired.length) {
        return {
            triage: {
                level: "self_care",
                disposition: "self_care",
                headline: texts.headlines["self_care"] ?? "",
                reasons: [],
                conditions: [],
            },
            conditions: [],
        };
    }
    const disposition = fired[0].disposition;
    const level = LEVEL_OF[disposition];
    const sameLevel = fired.filter((flag) => LEVEL_OF[flag.disposition] === level);
    // the conditions of the flags, most serious first; a generic one only when nothing else
    const severity = new Map();
    for (const flag of sameLevel) {
        if (flag.condition !== null && p.conditionsById.has(flag.condition)) {
            const rankOf = DISPOSITION_ORDER[flag.disposition];
            severity.set(flag.condition, Math.max(severity.get(flag.condition) ?? 0, rankOf));
        }
    }
    const suspectedIds = [...severity.keys()].sort((a, b) => severity.get(b) - severity.get(a) ||
        p.conditionIndex.get(a) - p.conditionIndex.get(b));
    const found = suspectedIds.map((id) => p.conditionsById.get(id));
    const specific = found.filter((condition) => !condition.fallback);
    const conditions = specific.length ? specific : found;
    return {
        triage: {
            level,
            disposition,
            headline: headline(p, level, disposition, conditions),
            reasons: sameLevel.map((flag) => ({ code: flag.id, message: texts.reasons[flag.id] })),
            conditions: conditions.map((condition) => condition.text),
        },
        conditions,
    };
}
function replaceAll(text, what, by) {
    return text.split(what).join(by);
}
function headline(p, level, disposition, conditions) {
    const texts = p.plan.triage;
    const template = conditions.length ? texts.disposition_headlines[disposition] : undefined;
    if (template === undefined || template === null)
        return texts.headlines[level] ?? "";
    const first = conditions[0].text;
    const steps = first.first_aid;
    return replaceAll(replaceAll(template, "{title}", first.title), "{first_step}", steps.length ? steps[0] : "");
}
function withUnknownWords(p, decision, words) {
    const template = p.plan.triage.unknown_symptom_headline;
    if (decision.triage.level !== "self_care" || !template)
        return decision;
    const named = words
        .filter((word) => word)
        .map((word) => `'${word}'`)
        .join(", ") || "?";
    const text = replaceAll(template, "{words}", named);
    return {
        triage: {
            level: "consult",
            disposition: "see_clinician_soon",
            headline: text,
            reasons: [{ code: p.plan.triage.unknown_symptom_code, message: text }],
            conditions: [],
        },
        conditions: [],
    };
}
/** A value as answers show it, and as a short text (`app/rules/evidence.py`). */
function shown(p, kind, value) {
    if (value === undefined || value === null)
        return [null, ""];
    switch (kind) {
        case "number": {
            let number = value;
            if (!Number.isInteger(number)) {
                const scale = 10 ** p.plan.limits.evidence_decimals;
                number = pyRound(number * scale) / scale;
            }
            if (number === 0)
                number = 0; // Python shows int(-0.0) as 0
            return [number, String(number)];
        }
        case "bool":
            return [value, value ? "true" : "false"];
        case "list": {
            const items = value.map(String);
            return [items, items.join(", ")];
        }
        default: {
            const text = String(value);
            return [text, text];
        }
    }
}
function writeCause(p, prepared, values, conditions, rankAt, score, fallen) {
    const scale = p.plan.limits.shown_scale;
    const fired = [];
    for (const step of prepared.plain) {
        if (!conditions[step.first])
            continue;
        if (step.whole !== null) {
            fired.push({ strength: step.strength, index: step.index, item: { ...step.whole } });
            continue;
        }
        const [value, display] = shown(p, step.kind, values[step.field]);
        fired.push({
            strength: step.strength,
            index: step.index,
            item: { ...step.template, value, display_value: display, weight: step.rounded },
        });
    }
    for (const step of prepared.graded) {
        let activation = conditions[step.first];
        if (!activation)
            continue;
        for (const position of step.rest) {
            if (position < 0) {
                if (conditions[~position]) {
                    activation = 0.0;
                    break;
                }
            }
            else {
                activation *= conditions[position];
            }
        }
        const contribution = step.weight * activation;
        const rounded = pyRoundScaled(contribution, scale);
        if (!rounded)
            continue;
        const [value, display] = shown(p, step.kind, values[step.field]);
        fired.push({
            strength: -Math.abs(contribution),
            index: step.index,
            item: { ...step.template, value, display_value: display, weight: rounded },
        });
    }
    fired.sort((a, b) => (a.strength < b.strength ? -1 : a.strength > b.strength ? 1 : a.index - b.index));
    const cause = prepared.cause;
    if (cause.fallback !== null)
        fallen.push(cause.fallback);
    if (prepared.signalFallbacks !== null) {
        for (const entry of fired) {
            const key = prepared.signalFallbacks[entry.index];
            if (key)
                fallen.push(key);
        }
    }
    return {
        id: cause.id,
        title: cause.title,
        summary: cause.summary,
        explanation: cause.explanation,
        rank: rankAt,
        score: pyRoundScaled(score, scale),
        confidence: confidence(p, prepared, values),
        evidence: fired.map((entry) => entry.item),
        counterfactuals: [],
    };
}
function confidence(p, prepared, values) {
    if (!prepared.inputs)
        return "low";
    let given = 0;
    for (const field of prepared.inputFields)
        if (values[field] !== undefined)
            given++;
    const share = given / prepared.inputs;
    const limits = p.plan.limits;
    return share >= limits.confidence_high
        ? "high"
        : share >= limits.confidence_medium
            ? "medium"
            : "low";
}
function implausible(p, check, values) {
    const test = check.test;
    if (test) {
        const x = values[test.path];
        if (x === undefined)
            return false;
        if (test.op === ">")
            return x > test.limit;
        if (test.op === "<")
            return x < test.limit;
        throw new Error(`the plan has a plausibility bound with operator ${test.op}`);
    }
    switch (check.builtin) {
        case "average_above_maximum": {
            const average = values["activity.avg_heart_rate_bpm"];
            const maximum = values["activity.max_heart_rate_bpm"];
            return average !== undefined && maximum !== undefined && average > maximum;
        }
        case "implausible_speed": {
            const distance = values["activity.distance_km"];
            const speeds = p.plan.plausibility.constants.max_plausible_speed_kmh;
            const activity = values["activity.type"];
            const limit = Object.prototype.hasOwnProperty.call(speeds, activity)
                ? speeds[activity]
                : undefined;
            if (distance === undefined || limit === undefined)
                return false;
            return distance / values["derived.duration_h"] > limit;
        }
        default:
            throw new Error(`the plan has an unknown plausibility check ${check.builtin}`);
    }
}
function careTips(p, tips, hidden) {
    return tips.filter((tip) => !hidden.has(tip)).slice(0, p.plan.limits.max_tips);
}
/** Tips by the summed score of the top causes they address; bundle order among equals. */
function rankedTips(p, top, scores, hidden) {
    // group the tips by which of the top causes they address
    const addressed = new Set();
    for (const index of top)
        for (const tip of p.tipsByCause[index])
            addressed.add(tip);
    const groups = new Map();
    for (const tip of [...addressed].sort((a, b) => a - b)) {
        const positions = [];
        top.forEach((index, position) => {
            if (p.tipSets[index].has(tip))
                positions.push(position);
        });
        const key = positions.join(",");
        const group = groups.get(key);
        if (group === undefined)
            groups.set(key, { positions, tips: [tip] });
        else
            group.tips.push(tip);
    }
    const ranked = [...groups.values()].map((group) => {
        let total = 0.0;
        for (const position of group.positions)
            total += scores[position];
        return { total, tips: group.tips };
    });
    ranked.sort((a, b) => (b.total > a.total ? 1 : b.total < a.total ? -1 : 0));
    const limit = p.plan.limits.max_tips;
    const picked = [];
    let at = 0;
    while (at < ranked.length && picked.length < limit) {
        const total = ranked[at].total;
        let tips = ranked[at].tips;
        at += 1;
        if (at < ranked.length && ranked[at].total === total) {
            const tied = [...tips];
            while (at < ranked.length && ranked[at].total === total) {
                tied.push(...ranked[at].tips);
                at += 1;
            }
            tips = tied.sort((a, b) => a - b);
        }
        for (const tip of tips)
            if (!hidden.has(tip))
                picked.push(tip);
    }
    return picked.slice(0, limit);
}
function tipItem(p, tip, rankAt, values, conditions) {
    const text = p.tipTexts[tip];
    const planned = p.tipActions[tip];
    return {
        id: text.id,
        title: text.title,
        body: text.body,
        addresses: text.addresses,
        rank: rankAt,
        actions: planned === null ? [] : schedule(planned, values, conditions),
    };
}
/** A tip's actions for this workout, in content order (`app/rules/actions.py`). */
function schedule(planned, values, conditions) {
    const out = [];
    for (const { action, template } of planned) {
        if (action.only_when.length && !action.only_when.every((position) => conditions[position])) {
            continue;
        }
        if (action.amount === null) {
            out.push({ ...template });
            continue;
        }
        const amount = amountOf(action.amount, values);
        if (amount === null)
            continue;
        const item = { ...template, amount };
        if (action.offset_is_amount)
            item.offset_min = Math.trunc(amount);
        out.push(item);
    }
    return out;
}
function amountOf(rule, values) {
    let raw = null;
    if (rule.field !== null) {
        const found = values[rule.field];
        if (found !== undefined) {
            raw = Number(found) * rule.factor;
            if (rule.over_duration)
                raw /= values["derived.duration_h"];
        }
    }
    if (raw === null)
        raw = rule.default;
    if (raw === null)
        return null;
    const step = rule.round_to;
    const multiple = pyRound(raw / step) * step;
    let amount = Number.isInteger(step) ? Math.trunc(multiple) : pyRoundDigits(multiple, 3);
    if (rule.min !== null && amount < rule.min)
        amount = rule.min;
    if (rule.max !== null && amount > rule.max)
        amount = rule.max;
    return amount;
}
function followUps(p, top, values) {
    const stakes = new Map();
    const activity = values["activity.type"];
    for (const index of top) {
        for (const [field, weight] of p.causes[index].askedWeights) {
            if (values[field] !== undefined)
                continue;
            const allowed = p.questionActivities.get(field);
            if (allowed !== undefined && !allowed.has(activity))
                continue;
            stakes.set(field, (stakes.get(field) ?? 0.0) + weight);
        }
    }
    if (!stakes.size)
        return [];
    const order = p.questionOrder;
    const ordered = [...stakes.keys()].sort((a, b) => (stakes.get(b) > stakes.get(a)
        ? 1
        : stakes.get(b) < stakes.get(a)
            ? -1
            : 0) ||
        order.get(a) - order.get(b));
    return ordered
        .slice(0, p.plan.limits.max_follow_ups)
        .map((field) => ({ field, question: p.questionTexts.get(field) }));
}
function fallenTexts(p, triage, fallenInCauses, tips, questions) {
    const fallbacks = p.fallbacks;
    let keys;
    if (triage.conditions.length) {
        keys = [`disposition_headlines:${triage.disposition}`];
        keys.push(...triage.conditions.map((condition) => `conditions:${condition.id}`));
    }
    else {
        keys = [`triage_headlines:${triage.level}`];
    }
    const unknown = p.plan.triage.unknown_symptom_code;
    for (const reason of triage.reasons) {
        keys.push(reason.code === unknown ? "unknown_symptom_headline" : `red_flags:${reason.code}`);
    }
    const fallen = [...keys.filter((key) => fallbacks.has(key)), ...fallenInCauses];
    const later = [
        ...tips.map((tip) => `tips:${tip.id}`),
        ...questions.map((question) => `questions:${question.field}`),
        "disclaimer",
    ];
    return [...fallen, ...later.filter((key) => fallbacks.has(key))];
}
