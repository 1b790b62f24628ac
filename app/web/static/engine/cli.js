/**
 * `node dist/cli.js PLAN.json`: `assess` as a filter (CONTRACT, "The plan of a version").
 *
 * Each line of standard input is `{"context": {...}, "limit": N}` (`limit` optional, default
 * 5; `"strict": true` as `?strict=true`), and each line of output the answer as JSON, or the
 * problem object the server answers with its 422. A line that is not such a request gives
 * `{"error": "..."}` on its line, and the filter goes on. A plan of another `plan_format` (or
 * no plan) stops it before it reads a line: a message on standard error, exit status 2.
 */
import { readFileSync } from "node:fs";
import { assess, prepare } from "./index.js";
const node = globalThis.process;
function fail(message) {
    node.stderr.write(`tremor-guide engine: ${message}\n`);
    node.exitCode = 2;
}
function describe(error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
/** One line of input answered as one line of output (without its newline). */
function answerLine(plan, line) {
    let request;
    try {
        request = JSON.parse(line);
    }
    catch (error) {
        return JSON.stringify({ error: `not JSON: ${describe(error)}` });
    }
    if (request === null || typeof request !== "object" || Array.isArray(request) || !("context" in request)) {
        return JSON.stringify({ error: 'each line must be a JSON object {"context": {...}, "limit": N}' });
    }
    const { context, limit, strict } = request;
    if (limit !== undefined && typeof limit !== "number") {
        return JSON.stringify({ error: `RangeError: limit must be an integer from 1 to 50, got ${JSON.stringify(limit)}` });
    }
    if (strict !== undefined && typeof strict !== "boolean") {
        return JSON.stringify({ error: `TypeError: strict must be true or false, got ${JSON.stringify(strict)}` });
    }
    try {
        return JSON.stringify(assess(plan, context, { limit, strict }));
    }
    catch (error) {
        return JSON.stringify({ error: describe(error) });
    }
}
function main(argv) {
    if (argv.length !== 1 || argv[0].startsWith("-")) {
        fail("usage: node dist/cli.js PLAN.json < requests.jsonl (one {\"context\": {...}, \"limit\": N} per line)");
        return;
    }
    let plan;
    try {
        plan = JSON.parse(readFileSync(argv[0], "utf-8"));
        prepare(plan); // the format is checked, and the plan prepared, once
    }
    catch (error) {
        fail(`cannot use the plan ${argv[0]}: ${describe(error)}`);
        return;
    }
    let pending = "";
    const answerLines = (chunk) => {
        const end = chunk.lastIndexOf("\n");
        if (end < 0) {
            pending += chunk; // a long line comes in many chunks: split it once, when it ends
            return;
        }
        const lines = (pending + chunk.slice(0, end)).split("\n");
        pending = chunk.slice(end + 1);
        const out = [];
        for (const line of lines) {
            if (line.trim())
                out.push(answerLine(plan, line) + "\n");
        }
        if (out.length)
            node.stdout.write(out.join(""));
    };
    node.stdin.setEncoding("utf8");
    node.stdin.on("data", answerLines);
    node.stdin.on("end", () => {
        if (pending.trim())
            node.stdout.write(answerLine(plan, pending) + "\n");
        pending = "";
    });
}
main(node.argv.slice(2));
