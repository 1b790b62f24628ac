// A small tremor-guide client typed from the committed OpenAPI document.
//
// `npm run check` generates generated/tremor-api.d.ts with openapi-typescript and
// type-checks this file against it, so a change to the API that breaks callers
// fails here first. Plain fetch, no runtime dependencies.
import type { components, operations } from "tremor-api";

export type WorkoutContext = components["schemas"]["WorkoutContext"];
export type Assessment = components["schemas"]["AssessmentResponse"];
export type RankedCause = components["schemas"]["RankedCause"];
export type TriageLevel = components["schemas"]["TriageLevel"];
export type CauseList = components["schemas"]["CauseList"];
export type VersionSummary = components["schemas"]["VersionSummary"];
export type Problem = components["schemas"]["Problem"];
export type AssessmentQuery = NonNullable<operations["create_assessment"]["parameters"]["query"]>;

/** Thrown for any 4xx/5xx answer; carries the RFC 9457 problem the API sent. */
export class TremorApiError extends Error {
  constructor(public readonly problem: Problem) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`);
  }
}

export class TremorClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  /** POST /v1/assessments: ranked causes, tips, follow-up questions and triage. */
  async createAssessment(context: WorkoutContext, query: AssessmentQuery = {}): Promise<Assessment> {
    return this.request<Assessment>("POST", "/v1/assessments", query, context);
  }

  /** GET /v1/causes: every cause of the current (or a pinned) content version. */
  async listCauses(locale?: string): Promise<CauseList> {
    return this.request<CauseList>("GET", "/v1/causes", { locale });
  }

  /** GET /v1/content/versions: drafts, published and archived versions. */
  async listContentVersions(): Promise<VersionSummary[]> {
    return this.request<VersionSummary[]>("GET", "/v1/content/versions", {});
  }

  private async request<T>(
    method: "GET" | "POST",
    path: string,
    query: Record<string, string | number | boolean | null | undefined>,
    body?: unknown,
  ): Promise<T> {
    const url = new URL(path, this.baseUrl);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.apiKey) headers["Authorization"] = `Bearer ${this.apiKey}`;
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload: unknown = await response.json();
    if (!response.ok) throw new TremorApiError(payload as Problem);
    return payload as T;
  }
}

/** What an app would show: the triage first, then the most likely causes. */
export function describe(assessment: Assessment): string {
  const banner: Record<TriageLevel, string> = {
    self_care: "Self-care",
    consult: "See a clinician soon",
    urgent: "Seek care now",
  };
  const lines = [`${banner[assessment.triage.level]}: ${assessment.triage.headline}`];
  for (const cause of assessment.causes) {
    const strongest = cause.evidence[0];
    const why = strongest ? ` (${strongest.field} ${strongest.effect} it)` : "";
    lines.push(`${cause.rank}. ${cause.title} ${Math.round(cause.score * 100)}%${why}`);
  }
  return lines.join("\n");
}

export async function main(baseUrl = "http://127.0.0.1:8000"): Promise<void> {
  const client = new TremorClient(baseUrl);
  const assessment = await client.createAssessment(
    {
      activity: { type: "running", duration_min: 75, intensity_rpe: 8 },
      environment: { temperature_c: 29 },
      hydration: { fluid_intake_ml: 200 },
      symptoms: { timing: "after", cramps: true },
    },
    { limit: 3, locale: "en" },
  );
  console.log(describe(assessment));
  const causes = await client.listCauses();
  console.log(`content version ${causes.content_version}: ${causes.causes.length} causes`);
  const current = (await client.listContentVersions()).find((version) => version.is_current);
  console.log(`current version: ${current?.version}`);
}
