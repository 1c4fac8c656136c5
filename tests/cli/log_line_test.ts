import assert from "node:assert/strict";
import { formatLogLine } from "../../src/cli/log_line.ts";

Deno.test("formatLogLine() prints level, short ids, message and url", () => {
  assert.equal(
    formatLogLine({
      level: "error",
      message: "boom\nsecond line",
      time: 0,
      traceId: "0123456789abcdef",
      spanId: "fedcba9876543210",
      url: "https://example.com/a",
    }),
    "ERROR 01234567/fedcba98 boom\\nsecond line https://example.com/a",
  );
  assert.equal(
    formatLogLine({ level: "info", message: "started", time: 0 }),
    "INFO  - started",
  );
  assert.equal(
    formatLogLine({ level: "debug", message: "m", time: 0 }, { color: true }),
    "\x1b[2mDEBUG\x1b[0m - m",
  );
});
