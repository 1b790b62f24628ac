// A small tremor-guide client typed from openapi/app.json (the app's operations).
//
// `npm run check` generates generated/tremor-api.d.ts with openapi-typescript and
// type-checks this file against it, so a change to the API that breaks callers
// fails here first. Plain fetch, no runtime dependencies.
import type { components, operations } from "tremor-api";

export type WorkoutContext = components["schemas"]["TgWorkoutContext"];
export type Assessment = components["schemas"]["TgAssessmentResponse"];
export type BatchResponse = components["schemas"]["TgBatchResponse"];
export type BatchResult = components["schemas"]["TgBatchResult"];
export type RankedCause = components["schemas"]["TgRankedCause"];
export type TriageLevel = components["schemas"]["TgTriageLevel"];
export type CauseList = components["schemas"]["TgCauseList"];
export type VersionSummary = components["schemas"]["TgVersionSummary"];
export type Problem = components["schemas"]["TgProblem"];
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

  /** POST /v1/assessments:batch: one result per context, a problem in place of a bad one. */
  async createAssessmentBatch(items: WorkoutContext[], query: AssessmentQuery = {}): Promise<BatchResponse> {
    return this.request<BatchResponse>("POST", "/v1/assessments:batch", query, { items });
  }

  /** GET /v1/causes: every cause of the current (or a pinned) content version. */
  async listCauses(locale?: string): Promise<CauseList> {
    return this.request<CauseList>("GET", "/v1/causes", { locale });
  }

  /** GET /v1/causes with the ETag of a cached copy: null when that copy is still current. */
  async listCausesIfChanged(etag: string, locale?: string): Promise<{ etag: string; causes: CauseList } | null> {
    const response = await this.send("GET", "/v1/causes", { locale }, undefined, { "If-None-Match": etag });
    if (response.status === 304) return null;
    const causes = await this.read<CauseList>(response);
    return { etag: response.headers.get("ETag") ?? "", causes };
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
    return this.read<T>(await this.send(method, path, query, body));
  }

  private async send(
    method: "GET" | "POST",
    path: string,
    query: Record<string, string | number | boolean | null | undefined>,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<Response> {
    const url = new URL(path, this.baseUrl);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { Accept: "application/json", ...extra };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.apiKey) headers["Authorization"] = `Bearer ${this.apiKey}`;
    return fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  private async read<T>(response: Response): Promise<T> {
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
  // A level added by a later server gets a neutral banner rather than `undefined`.
  const level = banner[assessment.triage.level] ?? "See the advice below";
  const lines = [`${level}: ${assessment.triage.headline}`];
  for (const cause of assessment.causes) {
    const strongest = cause.evidence[0];
    const why = strongest ? ` (${strongest.field} ${strongest.effect} it)` : "";
    lines.push(`${cause.rank}. ${cause.title} ${Math.round(cause.score * 100)}%${why}`);
  }
  return lines.join("\n");
}

/** One line per batch result: its top cause, or why the item could not be assessed. */
export function describeBatch(batch: BatchResponse): string[] {
  return batch.results.map((result: BatchResult, index) => {
    switch (result.kind) {
      case "assessment":
        return `${index}: ${result.causes?.[0]?.title ?? "no likely cause"}`;
      case "problem":
        return `${index}: ${result.status} ${(result.errors ?? []).map((e) => e.loc).join(", ")}`;
      default:
        return `${index}: (a kind this app does not know)`;
    }
  });
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
  const batch = await client.createAssessmentBatch([
    { activity: { type: "cycling", duration_min: 180 } },
    { activity: { type: "cycling", duration_min: 5000 } },
  ]);
  console.log(describeBatch(batch).join("\n"));
  const causes = await client.listCauses();
  console.log(`content version ${causes.content_version}: ${causes.causes.length} causes`);
  const current = (await client.listContentVersions()).find((version) => version.is_current);
  console.log(`current version: ${current?.version}`);
}
