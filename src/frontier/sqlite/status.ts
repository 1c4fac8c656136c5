/**
 * A state file's progress: the report of `SqliteStore.status`, and the
 * counters a resumed crawl starts from.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { CrawlStats } from "../../crawler/stats.ts";
import type { CrawlStatus, HostStatus } from "../status.ts";
import { recrawlProgress } from "./recrawl.ts";
import { readMeta } from "./schema.ts";

/**
 * The state's counts.
 *
 * @param db The state, in a read transaction for one snapshot.
 * @param location Where it is, for the report.
 * @param withHosts `false` skips the per-host breakdown.
 * @returns The counts.
 */
export function readStatus(
  db: DatabaseSync,
  location: string,
  withHosts = true,
): CrawlStatus {
  const meta = readMeta(db);
  const recrawl = recrawlProgress(db, meta);
  const totals = db.prepare(
    "SELECT count(*) AS accepted, coalesce(sum(done), 0) AS done FROM urls",
  ).get() as { accepted: number; done: number };
  const byStatusClass: Record<string, number> = {};
  for (
    const r of db.prepare(
      "SELECT status / 100 AS c, count(*) AS n FROM urls WHERE done = 1 AND status > 0 GROUP BY c ORDER BY c",
    ).all() as { c: number; n: number }[]
  ) byStatusClass[`${r.c}xx`] = Number(r.n);
  return {
    location,
    seeds: JSON.parse(meta.get("seeds") ?? "[]"),
    accepted: Number(totals.accepted),
    done: Number(totals.done),
    pending: Number(totals.accepted) - Number(totals.done),
    byStatusClass,
    errors: countBy(db, "error"),
    skipped: countBy(db, "skipped"),
    hosts: withHosts ? hostStatuses(db) : [],
    ...(recrawl ? { recrawl } : {}),
  };
}

/** Done results by the values of `column`, most first. */
function countBy(
  db: DatabaseSync,
  column: "error" | "skipped",
): Record<string, number> {
  const out: Record<string, number> = {};
  for (
    const r of db.prepare(
      `SELECT ${column} AS k, count(*) AS n FROM urls WHERE done = 1 AND ${column} IS NOT NULL GROUP BY k ORDER BY n DESC`,
    ).all() as { k: string; n: number }[]
  ) out[r.k] = Number(r.n);
  return out;
}

/** Per host, most pending first. */
function hostStatuses(db: DatabaseSync): HostStatus[] {
  const rows = db.prepare(
    `SELECT host, sum(done) AS done, sum(1 - done) AS pending,
       sum(CASE WHEN done = 1 AND (error IS NOT NULL OR status >= 400) THEN 1 ELSE 0 END) AS failed
     FROM urls GROUP BY host ORDER BY pending DESC, done DESC, host`,
  ).all() as { host: string; done: number; pending: number; failed: number }[];
  return rows.map((r) => ({
    host: r.host,
    done: Number(r.done),
    pending: Number(r.pending),
    failed: Number(r.failed),
  }));
}

/**
 * Loads a state's counts into a resumed crawl's live counters.
 *
 * @param db The state.
 * @param location Where it is.
 * @param stats The crawl's counters.
 */
export function restoreStats(
  db: DatabaseSync,
  location: string,
  stats: CrawlStats,
): void {
  const status = readStatus(db, location, false);
  stats.accepted = status.accepted;
  stats.done = status.done;
  stats.byStatusClass = status.byStatusClass;
  stats.errors = Object.values(status.errors).reduce((a, b) => a + b, 0);
  stats.skipped = status.skipped;
  const bytes = db.prepare(
    "SELECT coalesce(sum(bytes), 0) AS n FROM urls WHERE done = 1",
  ).get() as { n: number };
  stats.bytes = Number(bytes.n);
  try {
    const counters = JSON.parse(readMeta(db).get("counters") ?? "{}");
    if (Number.isFinite(counters.retries)) stats.retries = counters.retries;
    if (Array.isArray(counters.sitemaps)) stats.sitemaps = counters.sitemaps;
    for (const key of ["sitemapsFetched", "sitemapEntries"] as const) {
      if (Number.isFinite(counters[key])) stats[key] = counters[key];
    }
  } catch {
    // Counters are informative only.
  }
}
