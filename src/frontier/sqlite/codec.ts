/**
 * How a state file's rows map to the frontier's entries, results and
 * robots records.
 *
 * @module
 */
import type { CrawlResult } from "../../crawler/result.ts";
import type { JournalEntry } from "../journal.ts";
import type { FrontierEntry, RobotsRecord } from "../store.ts";

/** A pending `urls` row. */
export interface PendingRow {
  id: number;
  url: string;
  host: string;
  depth: number;
  referrer: string | null;
  parent: string | null;
}

/** A `robots` row. */
export interface RobotsRow {
  origin: string;
  outcome: "rules" | "allow-all";
  status: number | null;
  text: string | null;
  fetched_at: number;
}

/**
 * The done columns of a result: `status, skipped, error, bytes, result`.
 *
 * @param result The result.
 * @param json Its JSON line.
 * @returns The column values.
 */
export function doneColumns(
  result: CrawlResult,
  json: string,
): [number, string | null, string | null, number, string] {
  return [
    result.status ?? 0,
    result.skipped ?? null,
    result.error?.name ?? null,
    result.bytes ?? 0,
    json,
  ];
}

/**
 * A pending row as a queued entry.
 *
 * @param r The row.
 * @returns The entry, with its row id.
 */
export function entryOf(r: PendingRow): JournalEntry {
  const e: JournalEntry = {
    id: r.id,
    url: r.url,
    host: r.host,
    depth: r.depth,
  };
  if (r.referrer !== null) e.referrer = r.referrer;
  if (r.parent !== null) {
    // `SPAN`, or `TRACE:SPAN` when the referring page had its own trace.
    const colon = r.parent.indexOf(":");
    if (colon < 0) e.parentSpanId = r.parent;
    else {
      e.parentTraceId = r.parent.slice(0, colon);
      e.parentSpanId = r.parent.slice(colon + 1);
    }
  }
  return e;
}

/**
 * The `parent` column of a queued entry: the referring span, prefixed with
 * its trace (`TRACE:SPAN`) when the page had its own (OpenTelemetry on).
 *
 * @param e The entry.
 * @returns The column's value.
 */
export function parentColumn(e: FrontierEntry): string | null {
  if (e.parentSpanId === undefined) return null;
  return e.parentTraceId === undefined
    ? e.parentSpanId
    : `${e.parentTraceId}:${e.parentSpanId}`;
}

/**
 * A robots row as a record.
 *
 * @param row The row.
 * @returns The record.
 */
export function robotsRecordOf(row: RobotsRow): RobotsRecord {
  const record: RobotsRecord = {
    origin: row.origin,
    outcome: row.outcome,
    fetchedAt: row.fetched_at,
  };
  if (row.status !== null) record.status = row.status;
  if (row.text !== null) record.text = row.text;
  return record;
}

/**
 * A record's `robots` columns: `origin, outcome, status, text, fetched_at`.
 *
 * @param record The record.
 * @returns The column values.
 */
export function robotsColumns(
  record: RobotsRecord,
): [string, string, number | null, string | null, number] {
  return [
    record.origin,
    record.outcome,
    record.status ?? null,
    record.text ?? null,
    record.fetchedAt,
  ];
}
