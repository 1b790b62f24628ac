/**
 * The vocabulary plan: the server's parsing data of a workout context, as
 * `app.workout.plan_data.vocabulary_plan()` publishes it (a plan carries it under
 * `vocabulary`). Only what the reader uses is typed here.
 */

export type FieldKind = "number" | "integer" | "bool" | "enum" | "list" | "object";

export interface UnitPlan {
  si_field: string;
  si_unit?: string;
  factor?: number;
  offset?: number;
  divisor?: number;
  abs_tolerance?: number;
  rel_tolerance?: number;
  /** A share of this field (a body mass change becomes a percentage of the body mass). */
  percent_of?: string;
}

export interface FieldPlan {
  kind: FieldKind;
  required?: boolean;
  gt?: number;
  ge?: number;
  lt?: number;
  le?: number;
  max_items?: number;
  items?: FieldPlan;
  enum?: string;
  read_through?: "activity_types" | "medications" | "symptom_words";
  stands_for?: string;
  unit?: UnitPlan;
  alternative?: boolean;
  fields?: Record<string, FieldPlan>;
  model?: string;
  order?: string[];
}

export interface ModelPlan {
  fields: Record<string, FieldPlan>;
  model: string;
  order: string[];
  required?: boolean;
}

export interface WordKey {
  joiner: string;
  lowercase: boolean;
  separators: string;
  strip_joiner: boolean;
  unicode?: string;
}

export interface VocabularyPlan {
  version: number;
  activity_types: {
    aliases: Record<string, string>;
    codes: Record<string, Record<string, { name: string; type: string }>>;
    key: { lowercase: boolean; prefixes_dropped: string[]; removed: string };
    name_pattern: string;
  };
  enums: Record<string, string[]>;
  medications: { aliases: Record<string, string>; key: WordKey; max_length: number };
  section_order: string[];
  sections: Record<string, ModelPlan>;
  symptom_words: { key: WordKey; max_length: number; words: Record<string, string> };
  units: { agreement_slack: number; si_decimals: number };
}

/** The vocabulary plan format this reader understands. */
export const VOCABULARY_VERSION = 1;
