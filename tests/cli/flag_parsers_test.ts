import assert from "node:assert/strict";
import { parseUrlFilter } from "../../src/cli/flag_parsers.ts";
import { UsageError } from "../../src/cli/usage_error.ts";

Deno.test("parseUrlFilter() parses regexes, full patterns and pathnames", () => {
  const re = parseUrlFilter("--include", "/a.c$/");
  assert.ok(re instanceof RegExp);
  assert.ok(re.test("https://x/abc"));
  const full = parseUrlFilter("--include", "http{s}?://*.example.com/*");
  assert.ok(full instanceof URLPattern);
  assert.ok(full.test("https://www.example.com/a"));
  const path = parseUrlFilter("--exclude", "*.pdf");
  assert.ok(path instanceof URLPattern);
  assert.equal(path.pathname, "*.pdf");
});

Deno.test("parseUrlFilter() rejects a bad pattern naming the flag and the value", () => {
  assert.throws(
    () => parseUrlFilter("--include", "/(/"),
    (err: unknown) =>
      err instanceof UsageError &&
      err.message.startsWith(
        `--include is not a valid regular expression: got "/(/" (`,
      ),
  );
  assert.throws(
    () => parseUrlFilter("--exclude", "/a/("),
    (err: unknown) =>
      err instanceof UsageError &&
      err.message.startsWith(
        `--exclude is not a valid URL pattern: got "/a/(" (`,
      ),
  );
  assert.throws(
    () => parseUrlFilter("--exclude", ""),
    new UsageError(`--exclude must not be empty: got ""`),
  );
});
