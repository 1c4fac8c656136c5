/**
 * Reading and writing robots.txt answers in a {@linkcode RobotsStore}: a
 * store that fails never fails the crawl, it is only logged.
 *
 * @module
 */
import { abortable } from "../concurrency/_abortable.ts";
import type { RobotsRecord, RobotsStore } from "../frontier/store.ts";
import type { LogLevel } from "../telemetry/log.ts";
import { errorSummary } from "./robots_policy.ts";

/** Logs one record about an origin's robots.txt. */
export type RobotsLog = (
  level: LogLevel,
  message: string,
  fields: Record<string, unknown>,
) => void;

/** A usable stored answer and how old it is. */
export interface LoadedRecord {
  /** The record, checked. */
  record: RobotsRecord;
  /** Its age: `Date.now() - record.fetchedAt`, ms. */
  ageMs: number;
}

/** Options for {@linkcode loadRecord}. */
export interface LoadRecordOptions {
  /** A record this old or older is not used, ms. */
  ttlMs: number;
  /** Logs a failed load and an ignored record. */
  log: RobotsLog;
  /** Stops waiting for the store: the promise rejects with its reason. */
  signal: AbortSignal;
}

/**
 * `store`'s record of `origin` when it is well-formed and younger than
 * `ttlMs`, else `undefined` (a load that throws or rejects is logged as a
 * warning). `fetchedAt` is wall time (`Date.now()`), so a record dated in
 * the future is ignored. Rejects only when `signal` aborts.
 *
 * @example Usage
 * ```ts
 * import { loadRecord } from "./stored_robots.ts";
 * import assert from "node:assert/strict";
 *
 * const record = {
 *   origin: "https://a.test",
 *   outcome: "allow-all" as const,
 *   fetchedAt: Date.now() - 1000,
 * };
 * const loaded = await loadRecord({ load: () => record, save() {} }, "https://a.test", {
 *   ttlMs: 60_000,
 *   log: () => {},
 *   signal: new AbortController().signal,
 * });
 * assert.equal(loaded?.record, record);
 * ```
 *
 * @param store The store.
 * @param origin The origin.
 * @param options The TTL, the logger and a signal.
 * @returns The record and its age, or `undefined`.
 */
export async function loadRecord(
  store: RobotsStore,
  origin: string,
  options: LoadRecordOptions,
): Promise<LoadedRecord | undefined> {
  const { signal, log } = options;
  let record: RobotsRecord | undefined;
  try {
    record = await abortable(
      new Promise<RobotsRecord | undefined>((resolve) =>
        resolve(store.load(origin))
      ),
      signal,
    );
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    log("warn", "robots.txt store load failed", { error: errorSummary(err) });
    return undefined;
  }
  if (record === undefined || record === null) return undefined;
  if (!isRecordOf(record, origin)) {
    log("warn", "robots.txt store record ignored", { reason: "malformed" });
    return undefined;
  }
  const ageMs = Date.now() - record.fetchedAt;
  if (!(ageMs >= 0 && ageMs < options.ttlMs)) {
    log("debug", "robots.txt store record expired", { ageMs });
    return undefined;
  }
  return { record, ageMs };
}

/**
 * Calls `store.save(record)` without waiting; a failure is only logged as a
 * warning.
 *
 * @example Usage
 * ```ts
 * import { saveRecord } from "./stored_robots.ts";
 *
 * saveRecord(
 *   { load: () => undefined, save: () => Promise.reject(new Error("full")) },
 *   { origin: "https://a.test", outcome: "allow-all", fetchedAt: Date.now() },
 *   (level, message) => console.log(level, message),
 * );
 * ```
 *
 * @param store The store.
 * @param record The answer to keep.
 * @param log Logs a failure.
 */
export function saveRecord(
  store: RobotsStore,
  record: RobotsRecord,
  log: RobotsLog,
): void {
  const warn = (err: unknown) =>
    log("warn", "robots.txt store save failed", { error: errorSummary(err) });
  try {
    const saved = store.save(record);
    if (saved && typeof saved.then === "function") {
      Promise.resolve(saved).catch(warn);
    }
  } catch (err) {
    warn(err);
  }
}

/** Whether `record` is a usable stored answer for `origin`. */
function isRecordOf(record: RobotsRecord, origin: string): boolean {
  if (typeof record !== "object" || record.origin !== origin) return false;
  if (typeof record.fetchedAt !== "number" || !isFinite(record.fetchedAt)) {
    return false;
  }
  if (
    record.status !== undefined &&
    (!Number.isInteger(record.status) || record.status < 100 ||
      record.status > 599)
  ) {
    return false;
  }
  if (record.outcome === "rules") return typeof record.text === "string";
  return record.outcome === "allow-all";
}
