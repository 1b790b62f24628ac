// The try-it page: turn the form into a workout context, post it to the API and
// show the answer. Plain DOM code, no framework, no network access beyond this origin.
// Every text that comes from the API is set with textContent, never parsed as HTML.
//
// Offline: when the page loads it keeps the current content version's plan (localStorage,
// revalidated with its ETag) and imports the evaluator (clients/engine, served from
// /static/engine/). When POST /v1/assessments cannot be reached at all (fetch rejects), the
// same answer is worked out on this device from that plan and shown with a plain note.
"use strict";

const TRIAGE_LABELS = {
  self_care: "Self-care is enough",
  consult: "See a clinician soon",
  urgent: "Get medical help now",
};

const $ = (id) => document.getElementById(id);

// What each input is called on screen. A field the page does not know (one added to the
// API later) is named from its path by fieldLabel(), never shown as the raw path.
const FIELD_LABELS = {
  "activity.type": "Activity",
  "activity.duration_min": "Duration",
  "activity.intensity_rpe": "Effort (0 to 10)",
  "activity.avg_heart_rate_bpm": "Average heart rate",
  "activity.max_heart_rate_bpm": "Highest heart rate",
  "activity.distance_km": "Distance",
  "activity.load_pct_1rm": "Load (% of your one-rep max)",
  "activity.to_failure": "Sets to failure",
  "environment.temperature_c": "Air temperature",
  "environment.humidity_pct": "Humidity",
  "environment.water_temperature_c": "Water temperature",
  "hydration.fluid_intake_ml": "Drunk during the workout",
  "hydration.body_mass_change_pct": "Weight change over the workout",
  "hydration.electrolytes_taken": "Electrolytes or a sports drink",
  "hydration.urine_color": "Urine colour (1 pale to 8 dark)",
  "nutrition.hours_since_last_meal": "Time since your last meal",
  "nutrition.pre_workout_carbs_g": "Carbohydrate before the workout",
  "nutrition.carbs_g_per_hour": "Carbohydrate per hour during it",
  "nutrition.fasted": "Trained fasted",
  "preparation.warmup_min": "Warm-up",
  "preparation.cooldown_min": "Cool-down",
  "training.fitness_level": "Fitness level",
  "training.sessions_per_week": "Sessions per week",
  "training.load_change_pct": "Training load against usual",
  "training.consecutive_training_days": "Training days in a row",
  "training.returning_after_weeks_off": "Weeks off before this",
  "athlete.age_years": "Age",
  "athlete.sleep_hours": "Sleep the night before",
  "symptoms.timing": "When it happened",
  "symptoms.severity": "How strong",
  "symptoms.cramps": "Cramps as well",
  "symptoms.persisting_days": "Days it kept going at rest",
  "symptoms.associated": "Warning signs",
  "health.diabetes": "Diabetes",
  "health.glucose_lowering_medication": "Medicine that lowers blood sugar",
  "health.blood_glucose_mmol_l": "Blood sugar",
  "health.blood_glucose_mg_dl": "Blood sugar",
  "health.medications": "Regular medicines",
  "health.recent_illness_days": "Days since you were ill",
  "health.body_temperature_c": "Body temperature",
  "intake.caffeine_mg": "Caffeine",
  "intake.pre_workout_stimulant": "Pre-workout stimulant",
  "intake.alcohol_units_24h": "Alcohol in the day before",
};
// Units written in field names, as a reader writes them after a number.
const UNITS = {
  ml: "ml", min: "min", c: "°C", pct: "%", km: "km", m: "m", g: "g", mg: "mg", bpm: "bpm",
  kg: "kg", days: "days", hours: "hours", years: "years", units_24h: "units", mmol_l: "mmol/L",
  mg_dl: "mg/dL", g_per_hour: "g per hour",
};

function unitOf(path) {
  const name = path.split(".").pop();
  const suffix = Object.keys(UNITS)
    .filter((unit) => name.endsWith(`_${unit}`))
    .sort((a, b) => b.length - a.length)[0];
  return suffix ? UNITS[suffix] : "";
}

// "hydration.fluid_intake_ml" -> "Fluid intake", for a field without a label of its own.
function fieldLabel(path) {
  if (FIELD_LABELS[path]) return FIELD_LABELS[path];
  let name = path.split(".").pop();
  const unit = Object.keys(UNITS).find((u) => name.endsWith(`_${u}`));
  if (unit) name = name.slice(0, -(unit.length + 1));
  const words = name.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// "300 ml", "Yes", "quadriceps, calves": a value as a reader would write it.
function valueText(fact) {
  if (typeof fact.value === "boolean") return fact.value ? "yes" : "no";
  const shown = fact.display_value.replaceAll("_", " ");
  const unit = typeof fact.value === "number" ? unitOf(fact.field) : "";
  return unit ? `${shown} ${unit}` : shown;
}

// Build the request body from the form: empty fields are left out, because the API
// treats a missing answer as "unknown", which is not the same as zero.
function workoutContext(form) {
  const context = {};
  const put = (path, value) => {
    const [section, field] = path.split(".");
    context[section] = context[section] || {};
    context[section][field] = value;
  };
  for (const element of form.elements) {
    if (!element.name || element.value === "") continue;
    if (element.type === "checkbox") {
      if (!element.checked) continue;
      const [section, field] = element.name.split(".");
      const list = (context[section] && context[section][field]) || [];
      put(element.name, list.concat(element.value));
    } else if (element.type === "number") {
      put(element.name, Number(element.value));
    } else if (element.dataset.kind === "boolean") {
      put(element.name, element.value === "true");
    } else {
      put(element.name, element.value);
    }
  }
  return context;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderTriage(triage) {
  const box = $("triage");
  box.dataset.level = triage.level;
  box.className = `triage triage-${triage.level}`;
  box.setAttribute("role", triage.level === "self_care" ? "status" : "alert");
  $("triage-level").textContent = TRIAGE_LABELS[triage.level] || triage.level;
  $("triage-headline").textContent = triage.headline;
  const reasons = $("triage-reasons");
  reasons.replaceChildren(
    ...triage.reasons.map((reason) => {
      const item = element("li", "triage-reason", reason.message);
      item.dataset.code = reason.code;
      return item;
    }),
  );
  $("conditions").replaceChildren(...(triage.conditions || []).map(renderCondition));
}

// A suspected condition: what it may be, what to do now (in order) and what not to do.
function renderCondition(condition) {
  const box = element("section", "condition");
  box.dataset.conditionId = condition.id;
  box.append(element("h3", "condition-title", condition.title));
  box.append(element("p", "condition-summary", condition.summary));
  const steps = element("ol", "condition-first-aid");
  steps.append(...condition.first_aid.map((step) => element("li", "", step)));
  box.append(steps);
  if (condition.avoid.length) {
    const avoid = element("ul", "condition-avoid");
    avoid.append(...condition.avoid.map((item) => element("li", "", item)));
    box.append(avoid);
  }
  return box;
}

function renderCause(cause) {
  const item = element("li", "cause");
  item.dataset.causeId = cause.id;
  const head = element("div", "cause-head");
  head.append(element("span", "cause-title", cause.title));
  head.append(element("span", "cause-score", `${Math.round(cause.score * 100)}%`));
  head.append(element("span", `confidence confidence-${cause.confidence}`,
    `${cause.confidence} confidence`));
  const bar = element("div", "score-bar");
  const fill = element("div", "score-fill");
  fill.style.width = `${Math.round(cause.score * 100)}%`;
  bar.append(fill);
  item.append(head, bar, element("p", "cause-summary", cause.summary));

  const evidence = element("ul", "evidence");
  for (const fact of cause.evidence) {
    const line = element("li", `evidence-item evidence-${fact.effect}`);
    line.dataset.field = fact.field;
    const arrow = fact.effect === "raises" ? "▲" : "▼";
    line.append(element("span", "evidence-effect", `${arrow} ${fact.effect}`));
    line.append(element("span", "evidence-label", `${fieldLabel(fact.field)}: ${valueText(fact)}`));
    line.append(element("span", "evidence-message", fact.message));
    evidence.append(line);
  }
  if (cause.evidence.length === 0) {
    evidence.append(element("li", "muted", "No answer moved this cause; it rests on its base rate."));
  }
  const more = element("details", "cause-more");
  more.append(element("summary", "", "Why this happens"), element("p", "", cause.explanation));
  item.append(evidence);
  const counterfactuals = cause.counterfactuals || [];
  if (counterfactuals.length > 0) {
    const helped = element("div", "helped");
    helped.append(element("strong", "helped-title", "What would have helped"));
    const list = element("ul", "counterfactuals");
    for (const change of counterfactuals) {
      const line = element("li", "counterfactual", change.message);
      line.dataset.field = change.field;
      list.append(line);
    }
    helped.append(list);
    item.append(helped);
  }
  item.append(more);
  return item;
}

// How each kind of action reads, with its amount and without one.
const ACTION_WORDS = {
  drink: ["Drink {amount}", "Drink"],
  eat: ["Eat {amount} of carbohydrate", "Eat"],
  electrolytes: ["Take {amount} of electrolytes", "Take electrolytes"],
  warm_up: ["Warm up for {amount}", "Warm up"],
  cool_down: ["Cool down for {amount}", "Cool down"],
  rest: ["Rest for {amount}", "Rest"],
  reduce_load: ["Reduce the load by {amount}", "Reduce the load"],
  see_clinician: ["See a clinician", "See a clinician"],
};
const AMOUNT_UNITS = { ml: "ml", g: "g", mg: "mg", min: "minutes", pct: "%", days: "days" };

// 120 -> "2 hours", 90 -> "1 hour 30 minutes", 10 -> "10 minutes".
function duration(minutes) {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const parts = [];
  if (hours) parts.push(`${hours} hour${hours === 1 ? "" : "s"}`);
  if (rest || !hours) parts.push(`${rest} minute${rest === 1 ? "" : "s"}`);
  return parts.join(" ");
}

function timing(action) {
  const offset = Math.abs(action.offset_min || 0);
  switch (action.when) {
    case "before":
      return offset ? `${duration(offset)} before` : "just before";
    case "during":
      return offset ? `during the workout, from ${duration(offset)} in` : "during the workout";
    case "after":
      return offset ? `${duration(offset)} after` : "after";
    case "next_session":
      return "at your next session";
    default:
      return action.when.replaceAll("_", " ");
  }
}

// One scheduled action in words: "Drink 450 ml 2 hours before".
function describeAction(action) {
  const kind = action.kind.replaceAll("_", " ");
  const [withAmount, without] = ACTION_WORDS[action.kind] || [
    `${kind.charAt(0).toUpperCase()}${kind.slice(1)} {amount}`,
    `${kind.charAt(0).toUpperCase()}${kind.slice(1)}`,
  ];
  let text = without;
  if (action.amount !== null && action.amount !== undefined) {
    const unit = AMOUNT_UNITS[action.unit] || action.unit || "";
    let amount = unit === "%" ? `${action.amount}%` : `${action.amount} ${unit}`.trim();
    if (action.per_hour) amount += " per hour";
    text = withAmount.replace("{amount}", amount);
  }
  // "Warm up for 10 minutes, starting 10 minutes before" rather than two durations in a row.
  const when = timing(action);
  const starting = action.unit === "min" && action.when === "before" && action.offset_min;
  return starting ? `${text}, starting ${when}` : `${text} ${when}`;
}

function renderTip(tip) {
  const item = element("li", "tip");
  item.dataset.tipId = tip.id;
  item.append(element("strong", "tip-title", tip.title), element("p", "tip-body", tip.body));
  if (tip.actions.length > 0) {
    const schedule = element("ul", "schedule");
    for (const action of tip.actions) {
      const line = element("li", "action", describeAction(action));
      line.dataset.kind = action.kind;
      schedule.append(line);
    }
    item.append(schedule);
  }
  return item;
}

function renderFollowUp(question) {
  const item = element("li", "follow-up", question.question);
  item.dataset.field = question.field;
  return item;
}

// `onDevice`: the answer was worked out here from the kept plan, not by the server.
function renderAnswer(answer, onDevice = false) {
  const source = $("answer-source");
  source.hidden = !onDevice;
  source.textContent = onDevice
    ? `Answered on this device from content version ${answer.content_version}: no connection.`
    : "";
  $("answer").dataset.source = onDevice ? "device" : "server";
  renderTriage(answer.triage);
  $("causes").replaceChildren(...answer.causes.map(renderCause));
  $("tips").replaceChildren(...answer.tips.map(renderTip));
  const followUps = answer.follow_up_questions.map(renderFollowUp);
  if (followUps.length === 0) {
    followUps.push(element("li", "muted", "None: the answers given already cover what matters."));
  }
  $("follow-ups").replaceChildren(...followUps);
  $("disclaimer").textContent = answer.disclaimer;
  $("meta").textContent =
    `Content version ${answer.content_version}, locale ${answer.locale}, ` +
    (onDevice ? "not recorded (answered offline)" : `assessment ${answer.assessment_id}`);
  $("answer").hidden = false;
  // The form is long: bring the triage banner into view, where the answer starts.
  $("result").scrollIntoView({ block: "start" });
}

// A 4xx/5xx body is an RFC 9457 problem; list its field errors when it has some.
function renderProblem(problem, status) {
  const box = $("error");
  const title = (problem && problem.title) || `HTTP ${status}`;
  const detail = (problem && problem.detail) || "The server gave no details.";
  box.replaceChildren(element("strong", "", title), element("p", "", detail));
  const errors = (problem && problem.errors) || [];
  if (errors.length > 0) {
    const list = element("ul", "");
    list.append(
      ...errors.map((error) => element("li", "", `${fieldLabel(error.loc)}: ${error.message}`)),
    );
    box.append(list);
  }
  // A body that cannot be assessed may still show a red flag: what to do now comes first.
  if (problem && problem.triage) box.prepend(problemTriage(problem.triage));
  box.hidden = false;
  $("result").scrollIntoView({ block: "start" });
}

// The triage a 422 carries: the same banner as an answer's, above the fields to fix.
function problemTriage(triage) {
  const banner = element("div", `triage triage-${triage.level}`);
  banner.id = "problem-triage";
  banner.dataset.level = triage.level;
  banner.setAttribute("role", "alert");
  banner.append(
    element("p", "triage-level", TRIAGE_LABELS[triage.level] || triage.level),
    element("p", "triage-headline", triage.headline),
  );
  const reasons = element("ul", "triage-reasons");
  reasons.append(...triage.reasons.map((reason) => element("li", "triage-reason", reason.message)));
  const conditions = element("div", "conditions");
  conditions.append(...(triage.conditions || []).map(renderCondition));
  banner.append(reasons, conditions);
  return banner;
}

function showRequest(url, body, apiKey) {
  const json = JSON.stringify(body, null, 2);
  $("request-body").textContent = json;
  const auth = apiKey ? " \\\n  -H 'Authorization: Bearer YOUR_KEY'" : "";
  $("request-curl").textContent =
    `curl -s -X POST '${new URL(url, window.location.href)}'${auth} \\\n` +
    `  -H 'Content-Type: application/json' \\\n  -d '${JSON.stringify(body)}'`;
  $("request").hidden = false;
}

// ---- Answering on the device --------------------------------------------------------------

const PLAN_KEY = "tremor-guide.plan"; // {version, locale, etag, text}: the last plan served
const offline = { plan: null, version: null, locale: null, assess: null };

function keptPlan() {
  try {
    const kept = JSON.parse(localStorage.getItem(PLAN_KEY) || "null");
    return kept && typeof kept.text === "string" ? kept : null;
  } catch {
    return null; // storage disabled or a damaged entry: as if nothing were kept
  }
}

function usePlan(kept) {
  const plan = JSON.parse(kept.text);
  offline.plan = plan;
  offline.version = plan.content_version;
  offline.locale = plan.locale;
  $("plan-status").textContent =
    `Content version ${plan.content_version} (${plan.locale}) is kept on this device: ` +
    "without a connection the page answers from it.";
  document.body.dataset.plan = "ready";
}

function authHeaders(extra = {}) {
  const apiKey = $("api-key").value.trim();
  return apiKey ? { ...extra, Authorization: `Bearer ${apiKey}` } : extra;
}

// The current version's number, from the list of versions (null if it cannot be had).
async function currentVersion() {
  const headers = authHeaders({ Accept: "application/json" });
  const response = await fetch("/v1/content/versions", { headers });
  if (!response.ok) return null;
  const listed = await response.json();
  const current = Array.isArray(listed) ? listed.find((version) => version.is_current) : null;
  return current ? current.version : null;
}

// Fetch a version's plan, or revalidate the kept one with its ETag (304: it is current). No
// locale is named: the server picks it from Accept-Language, as it does for an assessment.
// Says how it went: "fetched", "current" (304) or "unavailable".
async function refreshPlan(version) {
  if (version === null || version === undefined) return "unavailable";
  const kept = keptPlan();
  const headers = authHeaders({ Accept: "application/json" });
  if (kept && kept.version === version && kept.etag) headers["If-None-Match"] = kept.etag;
  const response = await fetch(`/v1/content/versions/${version}/plan`, { headers });
  if (response.status === 304) return "current";
  if (!response.ok) return "unavailable";
  const text = await response.text();
  const fresh = { version, locale: null, etag: response.headers.get("ETag"), text };
  fresh.locale = JSON.parse(text).locale;
  try {
    localStorage.setItem(PLAN_KEY, JSON.stringify(fresh));
  } catch {
    // storage full or disabled: the plan still answers while this page is open
  }
  usePlan(fresh);
  return "fetched";
}

// On load: the evaluator's modules and the kept plan at once (so a page opened without a
// connection still answers), then the current plan from the server when it can be reached.
async function prepareOffline() {
  try {
    const evaluator = await import("/static/engine/index.js");
    offline.assess = evaluator.assess;
  } catch (error) {
    $("plan-status").textContent = `Offline answers are not available: ${error}`;
    document.body.dataset.plan = "none";
    document.body.dataset.planCheck = "unavailable";
    return;
  }
  const kept = keptPlan();
  if (kept) usePlan(kept);
  let checked = "unreachable";
  try {
    checked = await refreshPlan(await currentVersion());
  } catch {
    // no connection: the kept plan (if any) stays in use
  }
  if (!offline.plan) document.body.dataset.plan = "none";
  document.body.dataset.planCheck = checked; // for the tests: the plan is settled
}

// The answer of POST /v1/assessments?limit=5 worked out from the kept plan: {answer} or the
// {problem} the server would give (with its red-flag triage). Counterfactuals ("what would
// have helped") are left out: the evaluator does not work them out yet.
function assessOnDevice(body) {
  const result = offline.assess(offline.plan, body, { limit: 5 });
  return result.kind === "assessment" ? { answer: result } : { problem: result };
}

// The server could not be reached: answer here if a plan is kept, else say what happened.
function answerOffline(body, error) {
  if (!offline.plan || !offline.assess) {
    $("answer").hidden = true;
    renderProblem({
      title: "The API could not be reached",
      detail: `${error}. No content plan is kept on this device yet, so it cannot answer offline.`,
    }, 0);
    return;
  }
  let outcome;
  try {
    outcome = assessOnDevice(body);
  } catch (failure) {
    $("answer").hidden = true;
    renderProblem({
      title: "The API could not be reached",
      detail: `${error}. Answering on this device failed too: ${failure}`,
    }, 0);
    return;
  }
  const { answer, problem } = outcome;
  if (answer) {
    renderAnswer(answer, true);
  } else {
    $("answer").hidden = true;
    renderProblem({ ...problem, title: `${problem.title} (checked on this device: no connection)` }, 422);
  }
}

async function submit(event) {
  event.preventDefault();
  const form = event.target;
  if (!form.reportValidity()) return;
  const body = workoutContext(form);
  const apiKey = $("api-key").value.trim();
  // explain: each cause's "what would have helped" (worked out on request only)
  const url = "/v1/assessments?limit=5&explain=counterfactuals";
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (apiKey) headers.Authorization = `Bearer ${apiKey}`;

  $("placeholder").hidden = true;
  $("error").hidden = true;
  $("submit").disabled = true;
  document.body.dataset.state = "loading";
  showRequest(url, body, apiKey);
  let response;
  try {
    response = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  } catch (error) {
    // Only a network failure (offline, server down) falls back; any HTTP answer is shown.
    try {
      answerOffline(body, error);
    } finally {
      $("submit").disabled = false;
      document.body.dataset.state = "done";
    }
    return;
  }
  try {
    const payload = await response.json().catch(() => null);
    if (response.ok) {
      renderAnswer(payload);
      // A version published since the page loaded, or a plan refused without the key.
      if (payload && (payload.content_version !== offline.version || payload.locale !== offline.locale)) {
        refreshPlan(payload.content_version).catch(() => {});
      }
    } else {
      $("answer").hidden = true;
      renderProblem(payload, response.status);
    }
  } finally {
    $("submit").disabled = false;
    document.body.dataset.state = "done";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("workout-form").addEventListener("submit", submit);
  document.body.dataset.state = "ready";
  prepareOffline();
});
