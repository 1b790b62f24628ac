/**
 * The compiled plan of a content version in one locale, as the server publishes it
 * (`GET /v1/content/versions/{version}/plan`, JSON Schema `app/rules/plan.schema.json`).
 * Only the parts the engine reads are typed here.
 */
/** The plan format this package evaluates; a plan of any other is refused. */
export const PLAN_FORMAT = 1;
/** Thrown for a plan this package cannot evaluate (another format, or not a plan at all). */
export class PlanFormatError extends Error {
    constructor(message) {
        super(message);
        this.name = "PlanFormatError";
    }
}
/** The plan, checked to be of the format this package evaluates. */
export function checkPlan(plan) {
    if (plan === null || typeof plan !== "object" || Array.isArray(plan)) {
        throw new PlanFormatError("not a plan: expected a JSON object");
    }
    const format = plan.plan_format;
    if (format !== PLAN_FORMAT) {
        throw new PlanFormatError(`unsupported plan_format ${JSON.stringify(format)}: this evaluator reads plan_format ` +
            `${PLAN_FORMAT} only; update the package (or fetch a plan of format ${PLAN_FORMAT})`);
    }
    return plan;
}
