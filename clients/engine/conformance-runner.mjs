// The conformance suite's node side (tests/clients/test_engine_answers.py): one process, JSON
// lines in, JSON lines out. {"define": KEY, "plan": {...}} stores a plan (parsed once) and
// answers {"ok": true}; {"plan": KEY, "reading": {...}, "limit": N} answers the engine's
// answer, or {"error": "..."} when the engine throws.
import { createInterface } from "node:readline";
import { answer } from "./dist/engine/index.js";

const plans = new Map();
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let out;
  try {
    const request = JSON.parse(line);
    if (request.define !== undefined) {
      plans.set(request.define, request.plan);
      out = { ok: true };
    } else {
      out = answer(plans.get(request.plan), request.reading, {
        limit: request.limit,
        explain: request.explain ?? null,
      });
    }
  } catch (error) {
    out = { error: `${error.name}: ${error.message}` };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}
