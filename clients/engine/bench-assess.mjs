// Micro-benchmark of `assess`: µs per answer from a raw body (the body read as the server
// reads it, then answered), the plan checked and prepared once. Inputs:
// `python -m bench.ts_engine_inputs DIR` (in the repository root; `make engine-bench` runs both)
//   node clients/engine/bench-assess.mjs DIR/plan.json DIR/bodies.json [limit]
// Not a timed test: a figure to read (the goal is well under 1 ms per answer).
import { readFileSync } from "node:fs";
import { assess, isProblem } from "./dist/index.js";

const [planPath, bodiesPath, limitArg] = process.argv.slice(2);
if (!planPath || !bodiesPath) {
  console.error("usage: node bench-assess.mjs PLAN.json BODIES.json [limit]");
  process.exit(2);
}
const plan = JSON.parse(readFileSync(planPath, "utf-8"));
const bodies = JSON.parse(readFileSync(bodiesPath, "utf-8"));
const limit = Number(limitArg ?? 5);

// The first answer, cold: the plan checked and prepared, then the body read and answered.
const first = process.hrtime.bigint();
assess(plan, bodies[0], { limit });
const firstUs = Number(process.hrtime.bigint() - first) / 1000;
for (const body of bodies) {
  if (isProblem(assess(plan, body, { limit }))) throw new Error(`refused: ${JSON.stringify(body)}`);
}
let sink = 0;
function run(count) {
  for (let i = 0; i < count; i++) {
    sink += assess(plan, bodies[i % bodies.length], { limit }).warnings.length + 1;
  }
}
run(5000); // warm up
const rounds = [];
for (let round = 0; round < 5; round++) {
  const count = 10000;
  const start = process.hrtime.bigint();
  run(count);
  rounds.push(Number(process.hrtime.bigint() - start) / 1000 / count);
}
rounds.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    bodies: bodies.length,
    limit,
    first_answer_us: Math.round(firstUs),
    us_per_answer_median: Number(rounds[2].toFixed(2)),
    us_per_answer_best: Number(rounds[0].toFixed(2)),
    sink,
  }),
);
