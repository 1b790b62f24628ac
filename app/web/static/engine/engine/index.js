/**
 * The engine half of the on-device evaluator: a plan and a read context in, the answer of
 * `POST /v1/assessments` out (every field but `assessment_id`, which is null offline).
 */
export { answer, sigmoid, DEFAULT_LIMIT } from "./answer.js";
export { addDerived } from "./derived.js";
export { PLAN_FORMAT, PlanFormatError, checkPlan } from "./plan.js";
export { prepare } from "./prepare.js";
