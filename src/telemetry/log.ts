/**
 * Structured log records and the logger interface the crawler writes to.
 *
 * @module
 */

/** Severity of a log record. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** One structured log line; `traceId`/`spanId` come from the request's context. */
export interface LogRecord {
  /** Severity. */
  level: LogLevel;
  /** A short, human-readable message. */
  message: string;
  /** Epoch milliseconds. */
  time: number;
  /** The crawl's trace id, when logged inside a request. */
  traceId?: string;
  /** The request's span id, when logged inside a request. */
  spanId?: string;
  /** The URL being processed, when logged inside a request. */
  url?: string;
  /** Extra fields. */
  [key: string]: unknown;
}

/** Receives the crawler's log records. */
export type LogHandler = (record: LogRecord) => void;

/** Numeric order of levels, for filtering. */
export const LOG_LEVELS: Readonly<Record<LogLevel, number>> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
};
