// Reads contexts as the engine package does, for tests/clients/test_engine_context.py.
// argv[2]: the built package's index.js. Standard input: a first line
// {"vocabulary": ..., "synonyms": {locale: {word: symptom}}}, then one line per input
// {"raw": any, "strict": bool, "locale": str}; one JSON line out per input.
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const { readContext } = await import(pathToFileURL(process.argv[2]).href);
let config = null;
const out = [];
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line) continue;
  const message = JSON.parse(line);
  if (config === null) {
    config = message;
    continue;
  }
  let answer;
  try {
    const synonyms = config.synonyms[message.locale] ?? {};
    answer = readContext(config.vocabulary, synonyms, message.raw, { strict: message.strict, locale: message.locale });
  } catch (error) {
    answer = { crashed: String(error && error.stack ? error.stack : error) };
  }
  out.push(JSON.stringify(answer));
  if (out.length >= 256) process.stdout.write(out.splice(0).join("\n") + "\n");
}
if (out.length) process.stdout.write(out.join("\n") + "\n");
