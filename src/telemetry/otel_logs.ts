/**
 * The crawl's log records as OpenTelemetry logs.
 *
 * Deno exports what is written to `console` as OpenTelemetry log records
 * (with `OTEL_DENO=true`; `OTEL_DENO_CONSOLE` says whether it also prints:
 * `capture`, the default, prints and exports, `replace` only exports,
 * `ignore` only prints), with the trace and span ids of the span active at
 * the call and a severity from the method (`debug`, `info`, `warn`,
 * `error`). It has no other way for a program to emit logs, so a record
 * becomes an OpenTelemetry log by being written to `console` inside a
 * context whose span is the record's: {@linkcode inRecordContext} makes
 * that context (the crawl's log runs its handler in it), and
 * {@linkcode consoleLogHandler} writes records to `console`.
 *
 * @module
 */
import { context, ROOT_CONTEXT, trace, TraceFlags } from "@opentelemetry/api";
import type { LogHandler, LogRecord } from "./log.ts";

/**
 * Runs `fn` with the record's span as the active one (a span known by its
 * ids), or with no span when the record has none, so what `fn` writes to
 * `console` is exported with the record's trace and span ids.
 *
 * @example Writing a record inside its span's context
 * ```ts
 * import { inRecordContext } from "./otel_logs.ts";
 *
 * const record = {
 *   level: "warn" as const,
 *   message: "slow host",
 *   time: Date.now(),
 *   traceId: "0af7651916cd43dd8448eb211c80319c",
 *   spanId: "b7ad6b7169203331",
 * };
 * inRecordContext(record, () => console.warn(record.message));
 * ```
 *
 * @param record The record.
 * @param fn What writes it.
 * @returns What `fn` returns.
 */
export function inRecordContext<T>(record: LogRecord, fn: () => T): T {
  const { traceId, spanId } = record;
  const ctx = traceId && spanId
    ? trace.setSpanContext(ROOT_CONTEXT, {
      traceId,
      spanId,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    })
    : ROOT_CONTEXT;
  return context.with(ctx, fn);
}

/**
 * A log handler that writes each record to `console` with the method of
 * its level (`console.debug`/`info` print to stdout, `warn`/`error` to
 * stderr): with `OTEL_DENO=true`, Deno exports each as an OpenTelemetry log
 * record carrying the request's trace and span ids (the crawl runs its
 * handler in the record's span context).
 *
 * @example Crawl logs to an OpenTelemetry collector
 * ```ts ignore
 * import { consoleLogHandler, crawl } from "@trawl/trawl";
 *
 * // OTEL_DENO=true OTEL_DENO_CONSOLE=replace deno run ... (export only)
 * for await (const r of crawl(["https://example.com/"], {
 *   onLog: consoleLogHandler(),
 * })) console.log(r.url);
 * ```
 *
 * @param format Turns a record into the line written.
 * @returns The handler.
 */
export function consoleLogHandler(
  format: (record: LogRecord) => string = formatRecord,
): LogHandler {
  return (record) => console[record.level](format(record));
}

/**
 * A record as one line: its message, its URL and its other fields as
 * `key=value` (the ids travel as the log's own trace and span ids).
 *
 * @example A record as a line
 * ```ts
 * import { formatRecord } from "./otel_logs.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   formatRecord({ level: "info", message: "retrying", time: 0, url: "https://a.test/", attempt: 1 }),
 *   "retrying https://a.test/ attempt=1",
 * );
 * ```
 *
 * @param record The record.
 * @returns The line.
 */
export function formatRecord(record: LogRecord): string {
  const {
    level: _l,
    message,
    time: _t,
    traceId: _tr,
    spanId: _s,
    url,
    ...rest
  } = record;
  const parts = [message];
  if (url) parts.push(String(url));
  for (const [k, v] of Object.entries(rest)) {
    parts.push(`${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  return parts.join(" ");
}
