// Micro-benchmark of the engine: µs per answer for one plan (parsed once) over varied readings.
// Inputs: `python -m bench.ts_engine_inputs DIR` (in the repository root), then
//   node clients/engine/bench.mjs DIR/plan.json DIR/readings.json [limit]
// Not a timed test: a figure to read (the goal is well under 1 ms per answer).
import { readFileSync } from "node:fs";
import { answer } from "./dist/engine/index.js";

const [planPath, readingsPath, limitArg] = process.argv.slice(2);
if (!planPath || !readingsPath) {
  console.error("usage: node bench.mjs PLAN.json READINGS.json [limit]");
  process.exit(2);
}
const plan = JSON.parse(readFileSync(planPath, "utf-8"));
const readings = JSON.parse(readFileSync(readingsPath, "utf-8"));
const limit = Number(limitArg ?? 5);

let sink = 0;
function run(count) {
  for (let i = 0; i < count; i++) {
    const out = answer(plan, readings[i % readings.length], { limit });
    sink += out.causes.length;
  }
}
const first = process.hrtime.bigint();
answer(plan, readings[0], { limit });
const prepareUs = Number(process.hrtime.bigint() - first) / 1000;
run(5000); // warm up
const rounds = [];
for (let round = 0; round < 5; round++) {
  const count = 20000;
  const start = process.hrtime.bigint();
  run(count);
  rounds.push(Number(process.hrtime.bigint() - start) / 1000 / count);
}
rounds.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    readings: readings.length,
    limit,
    first_answer_us: Math.round(prepareUs),
    us_per_answer_median: Number(rounds[2].toFixed(2)),
    us_per_answer_best: Number(rounds[0].toFixed(2)),
    sink,
  }),
);
