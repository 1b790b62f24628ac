/**
 * What the engine makes of a plan once (`app/rules/answer.py` does the same when a version
 * is loaded): every condition's test, each cause's signals and evidence steps, the tips by
 * cause, the questions. Kept per plan object, so a plan is prepared once however often it
 * answers.
 */
import { OPERATORS, conditionTest } from "./conditions.js";
import { checkBuiltins } from "./derived.js";
import { checkPlan } from "./plan.js";
import { pyRoundScaled } from "./pyfloat.js";
const GRADED = new Set(["ramp_up", "ramp_down"]);
const cache = new WeakMap();
/** The plan prepared for answering (once per plan object). */
export function prepare(planData) {
    if (planData !== null && typeof planData === "object") {
        const found = cache.get(planData);
        if (found !== undefined)
            return found;
    }
    const plan = checkPlan(planData);
    checkBuiltins(plan);
    const prepared = build(plan);
    cache.set(plan, prepared);
    return prepared;
}
function kinds(plan) {
    const out = new Map();
    for (const field of plan.input_fields)
        out.set(field.path, field.kind);
    for (const field of plan.derived.fields)
        out.set(field.path, field.kind);
    return out;
}
function build(plan) {
    for (const condition of plan.conditions) {
        if (!OPERATORS.has(condition.op)) {
            throw new Error(`the plan uses an unknown operator ${JSON.stringify(condition.op)}`);
        }
    }
    const tests = plan.conditions.map(conditionTest);
    const kindOf = kinds(plan);
    const scale = plan.limits.shown_scale;
    const questionOrder = new Map();
    const questionActivities = new Map();
    const questionTexts = new Map();
    plan.questions.forEach((question, n) => {
        questionOrder.set(question.field, n);
        questionTexts.set(question.field, question.text);
        if (question.activities.length > 0) {
            questionActivities.set(question.field, new Set(question.activities));
        }
    });
    const causes = plan.causes.map((cause) => {
        const plain = [];
        const graded = [];
        cause.signals.forEach((signal, index) => {
            addStep(plan, plain, graded, index, signal, kindOf, scale);
        });
        const fallbacks = cause.signals.map((signal) => signal.fallback);
        return {
            cause,
            signals: cause.signals.map((signal) => ({
                weight: signal.weight,
                conditions: signal.conditions,
                silencers: signal.silencers,
            })),
            plain,
            graded,
            inputs: cause.input_fields.length,
            inputFields: [...new Set(cause.input_fields)],
            signalFallbacks: fallbacks.some((key) => key) ? fallbacks : null,
            askedWeights: cause.input_weights
                .filter((item) => questionOrder.has(item.field))
                .map((item) => [item.field, item.weight]),
        };
    });
    const gatedSet = new Set(plan.ranking.gated);
    const tieOrder = plan.ranking.tie_order.length
        ? plan.ranking.tie_order
        : plan.causes.map((_, n) => n);
    const conditionIndex = new Map();
    const conditionsById = new Map();
    plan.medical_conditions.forEach((condition, n) => {
        conditionIndex.set(condition.id, n);
        conditionsById.set(condition.id, condition);
    });
    const tipsByCause = plan.causes.map((cause) => plan.tips.flatMap((tip, n) => (tip.addresses.includes(cause.id) ? [n] : [])));
    const hiddenWithoutFlags = new Set();
    const tipConditions = [];
    plan.tips.forEach((tip, n) => {
        if (tip.hidden_at.includes("self_care"))
            hiddenWithoutFlags.add(n);
        for (const position of tip.hidden_when)
            tipConditions.push([position, n]);
    });
    return {
        plan,
        tests,
        causes,
        gated: plan.ranking.gated.map((n) => [n, plan.causes[n].prior]),
        openOrder: tieOrder.filter((n) => !gatedSet.has(n)),
        tieOrder,
        conditionIndex,
        conditionsById,
        tipsByCause,
        tipSets: tipsByCause.map((tips) => new Set(tips)),
        hiddenWithoutFlags,
        tipConditions,
        tipTexts: plan.tips.map((tip) => tip.text),
        tipActions: plan.tips.map((tip) => tip.actions.length
            ? tip.actions.map((action) => ({
                action,
                template: {
                    kind: action.kind,
                    amount: null,
                    unit: action.unit,
                    when: action.when,
                    offset_min: action.offset_min,
                    per_hour: action.per_hour,
                },
            }))
            : null),
        questionOrder,
        questionActivities,
        questionTexts,
        fallbacks: new Set(plan.fallbacks),
    };
}
function evidenceItem(field, value, effect, weight, message) {
    return {
        field,
        value,
        display_value: value === null ? "" : value ? "true" : "false",
        effect,
        weight,
        message,
    };
}
function addStep(plan, plain, graded, index, signal, kindOf, scale) {
    const weight = signal.weight;
    const effect = weight > 0 ? "raises" : "lowers";
    const field = signal.evidence_field;
    const [first, ...others] = signal.conditions;
    const rest = [...others, ...signal.silencers.map((position) => ~position)];
    const kind = kindOf.get(field);
    if (kind === undefined)
        throw new Error(`the plan cites an unknown field ${field}`);
    const template = evidenceItem(field, null, effect, null, signal.message);
    const firstCondition = plan.conditions[first];
    const isPlain = signal.conditions.length === 1 &&
        signal.silencers.length === 0 &&
        !GRADED.has(firstCondition.op);
    if (!isPlain) {
        graded.push({ index, first, rest, weight, template, field, kind });
        return;
    }
    const rounded = pyRoundScaled(weight, scale);
    if (!rounded)
        return;
    let known = null;
    if (firstCondition.field === field &&
        (firstCondition.op === "true" || firstCondition.op === "false")) {
        known = firstCondition.op === "true";
    }
    const whole = known === null ? null : evidenceItem(field, known, effect, rounded, signal.message);
    plain.push({
        index,
        first,
        strength: -Math.abs(weight),
        whole,
        rounded,
        template,
        field,
        kind,
    });
}
