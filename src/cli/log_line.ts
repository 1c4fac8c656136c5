/**
 * A crawler log record as one line of the command's stderr.
 *
 * @module
 */
import type { LogRecord } from "../telemetry/log.ts";

/** Options of {@linkcode formatLogLine}. */
export interface LogLineOptions {
  /**
   * Use ANSI colors.
   *
   * @default {false}
   */
  color?: boolean;
}

/**
 * One log record as one line: level, short `traceId/spanId`, message, URL.
 *
 * @example Usage
 * ```ts
 * import { formatLogLine } from "./log_line.ts";
 * import assert from "node:assert/strict";
 *
 * const line = formatLogLine({
 *   level: "warn",
 *   message: "Crawl-delay capped",
 *   time: 0,
 *   traceId: "0123456789abcdef",
 *   spanId: "fedcba9876543210",
 *   url: "https://example.com/",
 * });
 * assert.equal(line, "WARN  01234567/fedcba98 Crawl-delay capped https://example.com/");
 * ```
 *
 * @param record The record.
 * @param options Formatting options.
 * @returns The line, without a newline; any newline in the message is escaped.
 */
export function formatLogLine(
  record: LogRecord,
  options: LogLineOptions = {},
): string {
  const level = record.level.toUpperCase().padEnd(5);
  const colors: Record<string, string> = {
    debug: "\x1b[2m",
    info: "\x1b[36m",
    warn: "\x1b[33m",
    error: "\x1b[31m",
  };
  const head = options.color
    ? `${colors[record.level] ?? ""}${level}\x1b[0m`
    : level;
  const ids = record.traceId || record.spanId
    ? `${short(record.traceId)}/${short(record.spanId)}`
    : "-";
  const message = String(record.message).replace(/\r?\n/g, "\\n");
  const parts = [head, ids, message];
  if (record.url) parts.push(String(record.url));
  return parts.join(" ");
}

function short(id: string | undefined): string {
  return id ? id.slice(0, 8) : "-";
}
