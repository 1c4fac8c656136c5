/**
 * The crawl's log: records under the configured level are dropped, records
 * written during a request carry its trace, and a failing handler never
 * breaks the crawl. Without a handler, warnings and errors go to
 * `console.error` (see {@linkcode crawlLog}). With OpenTelemetry on, the
 * handler runs in the context of the record's span, so what it writes to
 * `console` is exported as a log carrying the record's trace and span ids.
 *
 * @module
 */
import {
  LOG_LEVELS,
  type LogHandler,
  type LogLevel,
  type LogRecord,
} from "../telemetry/log.ts";
import { otelTracer } from "../telemetry/otel.ts";
import { inRecordContext } from "../telemetry/otel_logs.ts";
import { traceVar } from "../telemetry/trace.ts";

/**
 * Writes a crawl's log records to its `onLog` handler.
 *
 * @example Only warnings and worse
 * ```ts
 * import { CrawlLog } from "./crawl_log.ts";
 * import type { LogRecord } from "../telemetry/log.ts";
 * import assert from "node:assert/strict";
 *
 * const records: LogRecord[] = [];
 * const log = new CrawlLog((r) => records.push(r), "warn");
 * log.write("info", "dropped");
 * log.write("warn", "kept", { host: "a.test" });
 * assert.deepEqual(records.map((r) => [r.message, r.host]), [["kept", "a.test"]]);
 * ```
 */
export class CrawlLog {
  readonly #handler?: LogHandler;
  readonly #min: number;
  /** OpenTelemetry is on: the handler runs in the record's span context. */
  readonly #otel: boolean;

  /**
   * Creates the log.
   *
   * @param handler Receives the records; without one nothing is written.
   * @param level The least severe level written.
   */
  constructor(handler: LogHandler | undefined, level: LogLevel) {
    this.#handler = handler;
    this.#min = LOG_LEVELS[level];
    this.#otel = handler !== undefined && otelTracer() !== undefined;
  }

  /**
   * Writes a record, stamped with the time and the current request's trace.
   *
   * @param level The severity.
   * @param message What happened.
   * @param fields Extra fields.
   */
  write(
    level: LogLevel,
    message: string,
    fields: Record<string, unknown> = {},
  ): void {
    if (!this.#handler || LOG_LEVELS[level] < this.#min) return;
    const trace = traceVar.get();
    this.emit({
      level,
      message,
      time: Date.now(),
      ...(trace
        ? { traceId: trace.traceId, spanId: trace.spanId, url: trace.url }
        : {}),
      ...fields,
    });
  }

  /**
   * Passes on a record made elsewhere (by a store, the robots cache, the
   * loop monitor), adding the current request's trace when it has none.
   *
   * @param record The record.
   */
  emit(record: LogRecord): void {
    if (!this.#handler || LOG_LEVELS[record.level] < this.#min) return;
    if (record.traceId === undefined) {
      const trace = traceVar.get();
      if (trace) {
        record.traceId = trace.traceId;
        record.spanId = trace.spanId;
        record.url ??= trace.url;
      }
    }
    try {
      if (this.#otel) inRecordContext(record, () => this.#handler!(record));
      else this.#handler(record);
    } catch {
      // A failing log handler must not break the crawl.
    }
  }
}

/**
 * The log of a crawl with these options: records at `level` and above go to
 * `onLog`; without `onLog`, warnings and errors (or only errors, with
 * `level: "error"`) go to `console.error`, one line each, so a library user
 * sees them; `"silent"` writes nothing.
 *
 * @example Silent
 * ```ts
 * import { crawlLog } from "./crawl_log.ts";
 *
 * const log = crawlLog(undefined, "silent");
 * log.write("error", "nobody sees this");
 * ```
 *
 * @param onLog The `onLog` option.
 * @param level The `logLevel` option.
 * @returns The log.
 */
export function crawlLog(
  onLog: LogHandler | undefined,
  level: LogLevel | "silent",
): CrawlLog {
  if (level === "silent") return new CrawlLog(undefined, "error");
  if (onLog) return new CrawlLog(onLog, level);
  const min = LOG_LEVELS[level] > LOG_LEVELS.warn ? level : "warn";
  return new CrawlLog(printRecord, min);
}

/** One record as one `console.error` line: `trawl: warn: message (url)`. */
function printRecord(record: LogRecord): void {
  const where = typeof record.url === "string" ? ` (${record.url})` : "";
  console.error(`trawl: ${record.level}: ${record.message}${where}`);
}
