/**
 * The compiled plan of a content version in one locale, as the server publishes it
 * (`GET /v1/content/versions/{version}/plan`, JSON Schema `app/rules/plan.schema.json`).
 * Only the parts the engine reads are typed here.
 */

/** The plan format this package evaluates; a plan of any other is refused. */
export const PLAN_FORMAT = 1;

export type TriageLevel = "self_care" | "consult" | "urgent";
export type Disposition =
  | "self_care"
  | "see_clinician_soon"
  | "see_clinician_today"
  | "emergency_department"
  | "call_emergency_number";
export type FieldKind = "number" | "bool" | "enum" | "list";
export type ConditionValue = number | boolean | string | number[] | string[] | null;

export interface Limits {
  max_limit: number;
  max_tips: number;
  max_follow_ups: number;
  top_causes_considered: number;
  shown_scale: number;
  evidence_decimals: number;
  confidence_high: number;
  confidence_medium: number;
}

export interface InputField {
  path: string;
  kind: FieldKind;
  choices: string[];
}

export interface DerivedField {
  path: string;
  kind: FieldKind;
  inputs: string[];
  builtin: string;
}

export interface DerivedConstants {
  assumed_humidity_pct: number;
  assumed_apparent_temperature_c: number;
  load_spike_pct: number;
  weeks_off_for_detraining: number;
  hot_apparent_temperature_c: number;
  hot_session_min_rpe: number;
  recent_illness_days: number;
  glucose_lowering_classes: string[];
  endurance_types: string[];
  typical_rpe: Record<string, number>;
  sweat_factor: Record<string, number>;
}

export interface PlanCondition {
  field: string;
  op: string;
  value?: ConditionValue;
}

export interface PlanSignal {
  id: string;
  weight: number;
  conditions: number[];
  silencers: number[];
  evidence_field: string;
  message: string;
  fallback: string | null;
}

export interface PlanCause {
  id: string;
  title: string;
  summary: string;
  explanation: string;
  fallback: string | null;
  prior: number;
  base_rate: number | null;
  requires_evidence: boolean;
  input_fields: string[];
  input_weights: { field: string; weight: number }[];
  signals: PlanSignal[];
}

export interface PlanRedFlag {
  id: string;
  level: TriageLevel;
  disposition: Disposition;
  condition: string | null;
  when: number[];
  unless: number[];
}

export interface ConditionText {
  id: string;
  title: string;
  summary: string;
  first_aid: string[];
  avoid: string[];
}

export interface PlanMedicalCondition {
  id: string;
  disposition: Disposition;
  fallback: boolean;
  tips: number[];
  demotes: number[];
  text: ConditionText;
}

export interface Amount {
  field: string | null;
  factor: number;
  over_duration: boolean;
  min: number | null;
  max: number | null;
  round_to: number;
  default: number | null;
}

export interface PlanAction {
  kind: string;
  unit: string | null;
  when: string;
  offset_min: number;
  offset_is_amount: boolean;
  per_hour: boolean;
  amount: Amount | null;
  only_when: number[];
}

export interface TipText {
  id: string;
  title: string;
  body: string;
  addresses: string[];
}

export interface PlanTip {
  id: string;
  addresses: string[];
  care: boolean;
  hidden_at: TriageLevel[];
  hidden_by: string[];
  hidden_when: number[];
  actions: PlanAction[];
  text: TipText;
}

export interface PlanQuestion {
  field: string;
  activities: string[];
  text: string;
}

export interface TriageTexts {
  headlines: Record<string, string>;
  disposition_headlines: Record<string, string>;
  reasons: Record<string, string>;
  unknown_symptom_headline: string | null;
  unknown_symptom_code: string;
}

export interface PlanCheck {
  code: string;
  field: string;
  test?: { path: string; op: string; limit: number } | null;
  builtin?: string | null;
  message: string;
  fallback: string | null;
}

export interface Plan {
  plan_format: number;
  content_version: number;
  locale: string;
  default_locale: string;
  limits: Limits;
  input_fields: InputField[];
  derived: { fields: DerivedField[]; constants: DerivedConstants };
  conditions: PlanCondition[];
  causes: PlanCause[];
  ranking: { tie_order: number[]; gated: number[] };
  red_flags: PlanRedFlag[];
  medical_conditions: PlanMedicalCondition[];
  tips: PlanTip[];
  questions: PlanQuestion[];
  triage: TriageTexts;
  plausibility: {
    checks: PlanCheck[];
    constants: { max_plausible_speed_kmh: Record<string, number> };
  };
  disclaimer: string;
  fallbacks: string[];
  symptom_synonyms: Record<string, string>;
  counterfactuals: unknown;
  vocabulary: unknown;
}

/** Thrown for a plan this package cannot evaluate (another format, or not a plan at all). */
export class PlanFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanFormatError";
  }
}

/** The plan, checked to be of the format this package evaluates. */
export function checkPlan(plan: unknown): Plan {
  if (plan === null || typeof plan !== "object" || Array.isArray(plan)) {
    throw new PlanFormatError("not a plan: expected a JSON object");
  }
  const format = (plan as { plan_format?: unknown }).plan_format;
  if (format !== PLAN_FORMAT) {
    throw new PlanFormatError(
      `unsupported plan_format ${JSON.stringify(format)}: this evaluator reads plan_format ` +
        `${PLAN_FORMAT} only; update the package (or fetch a plan of format ${PLAN_FORMAT})`,
    );
  }
  return plan as Plan;
}
