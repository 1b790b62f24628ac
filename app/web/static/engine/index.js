/**
 * @tremor-guide/engine: a tremor-guide content plan evaluated on the device.
 *
 * The context half: `readContext` reads a request body exactly as `POST /v1/assessments`
 * does (lenient by default, `strict` as `?strict=true`).
 */
export { readContext, flatten, formatLoc, asWarnings, unknownWords } from "./context/read.js";
export { VOCABULARY_VERSION } from "./context/plan.js";
