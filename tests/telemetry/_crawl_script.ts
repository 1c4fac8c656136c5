/**
 * Test helper run as a subprocess (with Deno's OpenTelemetry on): crawls
 * `SEED` with the JSON crawl options given, writes the results as JSONL to
 * `OUT`, and its log records to `console` (so Deno exports them).
 *
 * Usage: deno run ... _crawl_script.ts SEED OUT OPTIONS_JSON
 */
import { crawl, type CrawlOptions } from "../../mod.ts";
import { consoleLogHandler } from "../../src/telemetry/otel_logs.ts";

const [seed, out, json] = Deno.args;
const options = JSON.parse(json ?? "{}") as CrawlOptions;
const lines: string[] = [];
for await (
  const r of crawl([seed], {
    allowPrivateNetworks: true,
    onLog: consoleLogHandler(),
    ...options,
  })
) {
  lines.push(JSON.stringify(r));
}
await Deno.writeTextFile(out, lines.join("\n") + "\n");
