import assert from "node:assert/strict";
import { describeFlag, helpText } from "../../src/cli/help.ts";
import { CLI_DEFAULTS, type Flag, FLAGS } from "../../src/cli/flags.ts";
import { showDefault } from "../../src/cli/flag_defaults.ts";
import { DEFAULTS } from "../../src/crawler/defaults.ts";
import { STORE_DEFAULTS } from "../../src/frontier/defaults.ts";

/** Every flag of the command: a flag dropped from the table fails here. */
const EVERY_FLAG = [
  "concurrency",
  "per-host",
  "rate",
  "max-pages",
  "max-pages-per-host",
  "max-links-per-page",
  "allow-private",
  "max-depth",
  "scope",
  "include",
  "exclude",
  "sitemap",
  "no-sitemaps",
  "since",
  "requisites",
  "no-robots",
  "auto-throttle",
  "user-agent",
  "header",
  "timeout",
  "idle-timeout",
  "retries",
  "max-redirects",
  "max-body-bytes",
  "workers",
  "max-heap",
  "sandbox-workers",
  "skip-extensions",
  "propagate-trace",
  "content",
  "main-content",
  "select",
  "extract",
  "extract-timeout",
  "links",
  "out",
  "report",
  "warc",
  "warc-max-size",
  "save",
  "state",
  "resume",
  "fresh",
  "recrawl",
  "recrawl-older-than",
  "frontier",
  "crawl",
  "worker",
  "lease",
  "redis-ca",
  "redis-slots",
  "redis-timeout",
  "seeds",
  "quiet",
  "log-level",
  "help",
  "version",
];

/** A flag's entry in the help, its lines joined by single spaces. */
function entry(help: string, flag: Flag): string {
  const lines = help.split("\n");
  const start = lines.findIndex((line) =>
    new RegExp(`^  (-\\w, )?--${flag.name}( |$)`).test(line)
  );
  assert.notEqual(start, -1, `help lacks --${flag.name}`);
  let end = start + 1;
  while (end < lines.length && /^ {25}\S/.test(lines[end])) end++;
  return lines.slice(start, end).join(" ").replace(/\s+/g, " ").trim();
}

/** What a row's default must be, from where defaults are defined. */
function expectedDefault(flag: Flag): string | undefined {
  if (flag.sets.startsWith("options.")) {
    let value: unknown = DEFAULTS;
    for (const key of flag.sets.slice("options.".length).split(".")) {
      value = (value as Record<string, unknown> | undefined)?.[key];
    }
    if (value === undefined) return undefined; // no fixed default
    if (flag.arg === undefined) {
      assert.notEqual(value, flag.value, `--${flag.name} changes nothing`);
      return "off";
    }
    return showDefault(value as number | string);
  }
  const cli: Record<string, number | string> = {
    logLevel: CLI_DEFAULTS.logLevel,
    leaseMs: STORE_DEFAULTS.leaseMs,
    redisTimeoutMs: STORE_DEFAULTS.redisTimeoutMs,
  };
  return cli[flag.sets] === undefined ? undefined : showDefault(cli[flag.sets]);
}

Deno.test("helpText() documents every flag of the table", () => {
  const help = helpText("9.9.9");
  assert.deepEqual(FLAGS.map((f) => f.name).sort(), EVERY_FLAG.sort());
  for (const flag of FLAGS) {
    const text = entry(help, flag);
    assert.equal(text, describeFlag(flag).replace(/\s+/g, " ").trim());
    assert.ok(
      text.includes(flag.help),
      `--${flag.name}: ${text} lacks ${flag.help}`,
    );
    if (flag.default !== undefined) {
      assert.ok(text.endsWith(`(default: ${flag.default})`), text);
    }
  }
});

Deno.test("helpText() shows each option's default as DEFAULTS defines it", () => {
  const help = helpText("9.9.9");
  let checked = 0;
  for (const flag of FLAGS) {
    const expected = expectedDefault(flag);
    if (expected === undefined) continue;
    assert.ok(
      entry(help, flag).endsWith(`(default: ${expected})`),
      `--${flag.name} should show (default: ${expected}): ${entry(help, flag)}`,
    );
    checked++;
  }
  assert.ok(checked >= 20, `only ${checked} defaults checked`);
  assert.match(help, /--concurrency N +requests in flight .*\(default: 16\)/);
});

Deno.test("helpText() shows the version, the usual flags, examples and permissions", () => {
  const help = helpText("9.9.9");
  assert.match(help, /^trawl 9\.9\.9/);
  for (
    const flag of [
      "--concurrency",
      "--per-host",
      "--rate",
      "--max-pages",
      "--max-depth",
      "--scope",
      "--include",
      "--exclude",
      "--no-robots",
      "--user-agent",
      "--timeout",
      "--idle-timeout",
      "--retries",
      "--max-redirects",
      "--max-body-bytes",
      "--workers",
      "--max-heap",
      "--header",
      "--links",
      "--out",
      "--seeds",
      "--quiet",
      "--log-level",
      "--help",
      "--version",
    ]
  ) {
    assert.ok(help.includes(flag), `help lacks ${flag}`);
  }
  assert.match(help, /default: 16\)/);
  assert.match(
    help,
    /--allow-net=example\.com cli\.ts https:\/\/example\.com\//,
  );
  assert.match(help, /--allow-write=FILE/);
  assert.match(help, /--allow-read=FILE/);
});
