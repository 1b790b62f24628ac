/**
 * @tremor-guide/engine: a tremor-guide content plan evaluated on the device.
 *
 * `assess(plan, context, options)` answers a workout context as `POST /v1/assessments` does
 * for the plan's version and locale: the same answer (with `assessment_id: null`), or for a
 * body the server refuses the same 422 problem (with the triage of any red flag it shows).
 * The halves it joins are exported too: `readContext` (the body read as the server reads it)
 * and `answer` (a read context answered).
 */

import { readContext, type Problem } from "./context/read.js";
import type { VocabularyPlan } from "./context/plan.js";
import { answer, type Answer, type Triage, type Warning } from "./engine/answer.js";
import type { Values } from "./engine/derived.js";
import type { Plan } from "./engine/plan.js";
import { prepare } from "./engine/prepare.js";

export { readContext, flatten, formatLoc, asWarnings, unknownWords } from "./context/read.js";
export type { ContextReading, ContextRead, ContextRefused, ContextValues, Problem, ReadOptions, Warning as ReadWarning } from "./context/read.js";
export type { VocabularyPlan } from "./context/plan.js";
export { VOCABULARY_VERSION } from "./context/plan.js";
export type { InputIssue } from "./context/lenient.js";
export { answer, sigmoid, DEFAULT_LIMIT, addDerived, PLAN_FORMAT, PlanFormatError, checkPlan, prepare } from "./engine/index.js";
export type { Answer, AnswerOptions, Reading, Reason, Triage, Warning, Value, Values, Plan } from "./engine/index.js";

/** The options of `assess`: the query parameters of `POST /v1/assessments`. */
export interface AssessOptions {
  /** How many causes to return, 1 to 50 (`?limit=`); default 5. */
  limit?: number;
  /** Refuse the body on any unknown or invalid field, as `?strict=true` does. */
  strict?: boolean;
}

/** The 422 problem of a body that cannot be assessed, exactly as the server answers it. */
export interface AssessmentProblem extends Omit<Problem, "triage"> {
  /** Present when what is left of the body shows a red flag (or a symptom word not read):
   * show this triage even though there is no ranking. */
  triage?: Triage;
}

/** What `assess` gives: an answer (`kind: "assessment"`), or a problem (`status: 422`). */
export type AssessResult = Answer | AssessmentProblem;

/** True for the problem of a refused body, false for an answer. */
export function isProblem(result: AssessResult): result is AssessmentProblem {
  return (result as { kind?: unknown }).kind !== "assessment";
}

export const MIN_LIMIT = 1;
export const MAX_LIMIT = 50;

/** A body over this many bytes (as JSON) holding this many values or more is refused whole,
 * unread, as the server does (app/api/assessments.py `_read_json`). */
const COUNTED_ABOVE_BYTES = 65_536;
const MAX_BODY_VALUES = 20_000;
const TOO_MANY_VALUES = `holds more than ${MAX_BODY_VALUES.toLocaleString("en-US")} values (counted by its commas and brackets)`;

interface Ready {
  vocabulary: VocabularyPlan;
  synonyms: ReadonlyMap<string, string>;
  locale: string;
}

const ready = new WeakMap<object, Ready>();

/** The plan checked (format, once per plan object) and its reading data. */
function readyPlan(planData: unknown): Ready {
  if (planData !== null && typeof planData === "object") {
    const found = ready.get(planData);
    if (found !== undefined) return found;
  }
  const plan: Plan = prepare(planData).plan; // throws PlanFormatError for another format
  const synonyms = plan.symptom_synonyms ?? {};
  const made: Ready = {
    vocabulary: plan.vocabulary as VocabularyPlan,
    synonyms: new Map(Object.keys(synonyms).map((word) => [word, synonyms[word]!])),
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
export function assess(plan: unknown, context: unknown, options: AssessOptions = {}): AssessResult {
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
    return answer(
      plan,
      {
        values: reading.context.values as Values,
        given: reading.context.given,
        warnings: reading.warnings as Warning[],
        unknownWords: reading.unknownWords,
      },
      { limit },
    );
  }
  const problem = reading.problem as AssessmentProblem;
  if (reading.redFlagContext !== null) {
    // The server's `_red_flag_triage`: the triage of what is left, when it has reasons.
    const triage = answer(
      plan,
      {
        values: reading.redFlagContext.values as Values,
        given: reading.redFlagContext.given,
        unknownWords: reading.unknownWords,
      },
      { limit: 1 },
    ).triage;
    if (triage.reasons.length > 0) problem.triage = triage;
  }
  return problem;
}

/** Whether the server refuses the body unread: over 64 KiB as JSON and holding 20,000 values
 * or more, counted by its commas and brackets (those inside strings too). */
function tooManyValues(body: unknown): boolean {
  if (body === null || typeof body !== "object") return false;
  let count = 0;
  const stack: unknown[] = [body];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === "string") {
      count += countMarks(value);
    } else if (Array.isArray(value)) {
      count += 1 + Math.max(value.length - 1, 0);
      for (const item of value) stack.push(item);
    } else if (value !== null && typeof value === "object") {
      const keys = Object.keys(value);
      count += 1 + Math.max(keys.length - 1, 0);
      for (const key of keys) {
        count += countMarks(key);
        stack.push((value as Record<string, unknown>)[key]);
      }
    }
    if (count >= MAX_BODY_VALUES) break;
  }
  if (count < MAX_BODY_VALUES) return false;
  let text: string;
  try {
    text = JSON.stringify(body);
  } catch {
    return false; // nested too deep to write out: the reader's depth bound leaves it out
  }
  return utf8Length(text) > COUNTED_ABOVE_BYTES;
}

function countMarks(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 || c === 91 || c === 123) count++; // , [ {
  }
  return count;
}

function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
}
