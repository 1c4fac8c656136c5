/**
 * Recrawl generations in a state file. The first crawl is generation 0;
 * each recrawl is the next one, recorded in `meta` under `recrawl`, and each
 * `urls` row keeps the generation it was last queued or settled in. A
 * recrawl starts only when nothing is pending, by queueing the URLs fetched
 * before a cutoff again, in one transaction; a recrawl stopped half way
 * has pending rows, so the next run continues it.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { PUT_META, readMeta } from "./schema.ts";

/** A recrawl as the state records it. */
export interface RecrawlRecord {
  /** Which recrawl (1 for the first). */
  generation: number;
  /** When it started (epoch ms). */
  startedAt: number;
  /** URLs fetched before this (epoch ms) were queued again. */
  before: number;
}

/** What opening a state for a recrawl did. */
export type RecrawlStart =
  /** A new recrawl: `requeued` URLs queued again. */
  | { action: "started"; generation: number; requeued: number }
  /** The crawl or recrawl in the state was unfinished: it goes on. */
  | { action: "continued"; generation: number; pending: number }
  /** Nothing was fetched before the cutoff: no recrawl started. */
  | { action: "none"; generation: number };

/**
 * The recrawl the state records, if any.
 *
 * @example A state that was never recrawled
 * ```ts
 * import { readRecrawl } from "./recrawl.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(readRecrawl(new Map()), undefined);
 * ```
 *
 * @param meta The state's `meta` table.
 * @returns The last recrawl started.
 */
export function readRecrawl(
  meta: ReadonlyMap<string, string>,
): RecrawlRecord | undefined {
  const raw = meta.get("recrawl");
  if (raw === undefined) return undefined;
  try {
    const r = JSON.parse(raw) as RecrawlRecord;
    return Number.isSafeInteger(r.generation) && r.generation > 0
      ? r
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts a recrawl when nothing is pending: queues again, in one
 * transaction, every URL that was queued (requested, or refused by
 * robots.txt or the SSRF guard when its turn came) and last worked on
 * before `before`; URLs settled without a request are not. When something
 * is pending, the unfinished crawl or recrawl goes on instead.
 *
 * @example Usage
 * ```ts ignore
 * const start = startRecrawl(db, Date.now() - 7 * 86_400_000, Date.now());
 * ```
 *
 * @param db The state, open for writing, with no transaction open.
 * @param before URLs last worked on before this (epoch ms) are recrawled.
 * @param now The current time (epoch ms).
 * @returns What happened.
 */
export function startRecrawl(
  db: DatabaseSync,
  before: number,
  now: number,
): RecrawlStart {
  const current = readRecrawl(readMeta(db))?.generation ?? 0;
  const { n } = db.prepare("SELECT count(*) AS n FROM urls WHERE done = 0")
    .get() as { n: number };
  if (Number(n) > 0) {
    return { action: "continued", generation: current, pending: Number(n) };
  }
  const generation = current + 1;
  db.exec("BEGIN");
  try {
    const { changes } = db.prepare(
      "UPDATE urls SET done = 0, gen = ? WHERE queued = 1 AND done = 1 AND (fetched_at IS NULL OR fetched_at < ?)",
    ).run(generation, before);
    if (Number(changes) === 0) {
      db.exec("ROLLBACK");
      return { action: "none", generation: current };
    }
    const record: RecrawlRecord = { generation, startedAt: now, before };
    db.prepare(PUT_META).run("recrawl", JSON.stringify(record));
    db.exec("COMMIT");
    return { action: "started", generation, requeued: Number(changes) };
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}

/** A recrawl's progress, for `status`. */
export interface RecrawlProgress extends RecrawlRecord {
  /** URLs done in this recrawl (revisited, or new since the last one). */
  done: number;
  /** URLs still to do. */
  pending: number;
}

/**
 * The progress of the state's last recrawl, if it had one.
 *
 * @param db The state (a v2 schema, as any state with a recrawl is).
 * @param meta Its `meta` table.
 * @returns The recrawl's counts.
 */
export function recrawlProgress(
  db: DatabaseSync,
  meta: ReadonlyMap<string, string>,
): RecrawlProgress | undefined {
  const record = readRecrawl(meta);
  if (record === undefined) return undefined;
  const row = db.prepare(
    "SELECT coalesce(sum(done), 0) AS done, coalesce(sum(1 - done), 0) AS pending FROM urls WHERE gen = ?",
  ).get(record.generation) as { done: number; pending: number };
  return { ...record, done: Number(row.done), pending: Number(row.pending) };
}
