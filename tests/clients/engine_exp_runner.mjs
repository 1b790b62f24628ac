// The engine package's exp over many arguments, for tests/clients/test_engine_exp.py.
// argv[2]: the built package's dist/engine/exp.js. Standard input: JSON lines, each a list of
// 64-bit patterns (16 hex digits) of doubles; out: one JSON line per line in, the patterns of
// their exp. Bit patterns, not decimal text, so that no printing or parsing stands between.
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const { exp } = await import(pathToFileURL(process.argv[2]).href);
const view = new DataView(new ArrayBuffer(8));
const hex = (word) => word.toString(16).padStart(8, "0");
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line) continue;
  const out = JSON.parse(line).map((bits) => {
    view.setUint32(0, parseInt(bits.slice(0, 8), 16));
    view.setUint32(4, parseInt(bits.slice(8), 16));
    view.setFloat64(0, exp(view.getFloat64(0)));
    return hex(view.getUint32(0)) + hex(view.getUint32(4));
  });
  process.stdout.write(JSON.stringify(out) + "\n");
}
