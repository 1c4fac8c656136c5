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
  sitemap: number | null;
  via: "sitemap" | "robots" | null;
  lastmod: string | null;
  etag: string | null;
  last_modified: string | null;
}

/** The columns of a {@linkcode PendingRow}, for a `SELECT`. */
export const PENDING_COLUMNS =
  "id, url, host, depth, referrer, parent, sitemap, via, lastmod, etag, last_modified";

/** A `robots` row. */
export interface RobotsRow {
  origin: string;
  outcome: "rules" | "allow-all";
  status: number | null;
  text: string | null;
  fetched_at: number;
}

/**
 * The done columns of a result: `status, skipped, error, bytes, result,
 * etag, last_modified, fetched_at` (the validators a recrawl sends back, and
 * when the URL was last worked on).
 *
 * @param result The result.
 * @param json Its JSON line.
 * @returns The column values.
 */
export function doneColumns(
  result: CrawlResult,
  json: string,
): [
  number,
  string | null,
  string | null,
  number,
  string,
  string | null,
  string | null,
  number | null,
] {
  return [
    result.status ?? 0,
    result.skipped ?? null,
    result.error?.name ?? null,
    result.bytes ?? 0,
    json,
    result.etag ?? null,
    result.lastModified ?? null,
    result.timings?.start ?? null,
  ];
}

/**
 * The entry columns of a queued URL beyond its place in the crawl:
 * `sitemap, via, lastmod`.
 *
 * @param entry The entry.
 * @returns The column values.
 */
export function entryColumns(
  entry: FrontierEntry,
): [number | null, string | null, string | null] {
  return [entry.sitemap ?? null, entry.via ?? null, entry.lastmod ?? null];
}

/**
 * A pending row as a queued entry (with its last response's validators
 * when a recrawl queued it again).
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
  if (r.sitemap !== null) e.sitemap = r.sitemap;
  if (r.via !== null) e.via = r.via;
  if (r.lastmod !== null) e.lastmod = r.lastmod;
  if (r.etag !== null || r.last_modified !== null) {
    e.validators = {};
    if (r.etag !== null) e.validators.etag = r.etag;
    if (r.last_modified !== null) {
      e.validators.lastModified = r.last_modified;
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
