// The try-it page: turn the form into a workout context, post it to the API and
// show the answer. Plain DOM code, no framework, no network access beyond this origin.
// Every text that comes from the API is set with textContent, never parsed as HTML.
"use strict";

const TRIAGE_LABELS = {
  self_care: "Self-care is enough",
  consult: "See a clinician soon",
  urgent: "Get medical help now",
};

const $ = (id) => document.getElementById(id);

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

function formatValue(value) {
  if (Array.isArray(value)) return value.join(", ");
  if (value === null || value === undefined) return "not given";
  return String(value);
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
    line.append(element("code", "evidence-field", `${fact.field} = ${formatValue(fact.value)}`));
    line.append(element("span", "evidence-message", fact.message));
    evidence.append(line);
  }
  if (cause.evidence.length === 0) {
    evidence.append(element("li", "muted", "No answer moved this cause; it rests on its base rate."));
  }
  const more = element("details", "cause-more");
  more.append(element("summary", "", "Why this happens"), element("p", "", cause.explanation));
  item.append(evidence);
  if (cause.counterfactuals.length > 0) {
    const helped = element("div", "helped");
    helped.append(element("strong", "helped-title", "What would have helped"));
    const list = element("ul", "counterfactuals");
    for (const change of cause.counterfactuals) {
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

// One scheduled action as a short line: "during, at 0 min: 800 ml per hour".
function describeAction(action) {
  const amount = action.amount === null ? "" : `${action.amount} ${action.unit}`;
  const rate = action.per_hour ? " per hour" : "";
  const label = action.kind.replace("_", " ");
  const at = `${action.when.replace("_", " ")}, at ${action.offset_min} min`;
  return amount ? `${label} (${at}): ${amount}${rate}` : `${label} (${at})`;
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
  item.append(element("code", "follow-up-field", question.field));
  return item;
}

function renderAnswer(answer) {
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
    `assessment ${answer.assessment_id}`;
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
    list.append(...errors.map((error) => element("li", "", `${error.loc}: ${error.message}`)));
    box.append(list);
  }
  box.hidden = false;
  $("result").scrollIntoView({ block: "start" });
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
  try {
    const response = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
    const payload = await response.json().catch(() => null);
    if (response.ok) {
      renderAnswer(payload);
    } else {
      $("answer").hidden = true;
      renderProblem(payload, response.status);
    }
  } catch (error) {
    $("answer").hidden = true;
    renderProblem({ title: "The API could not be reached", detail: String(error) }, 0);
  } finally {
    $("submit").disabled = false;
    document.body.dataset.state = "done";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("workout-form").addEventListener("submit", submit);
  document.body.dataset.state = "ready";
});
