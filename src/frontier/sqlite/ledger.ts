/**
 * The ledger of a state file: every URL accepted or settled, whether it was
 * queued and is done, and its result; plus robots.txt records and the meta
 * values. Writes go into one open transaction until `commit`.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { CrawlResult } from "../../crawler/result.ts";
import type { JournalEntry } from "../journal.ts";
import { hostOf } from "../host_of.ts";
import type { FrontierEntry, RobotsStore } from "../store.ts";
import {
  doneColumns,
  entryColumns,
  entryOf,
  parentColumn,
  PENDING_COLUMNS,
  type PendingRow,
  robotsColumns,
  robotsRecordOf,
  type RobotsRow,
} from "./codec.ts";
import { PUT_META } from "./schema.ts";

/** A committed result as stored. */
export interface StoredResult {
  /** The URL. */
  url: string;
  /** The result, as the JSON line the CLI writes. */
  json: string;
  /** The recrawl it belongs to (0 or absent: the first crawl). */
  generation?: number;
}

const DONE_SET =
  "done = 1, status = ?, skipped = ?, error = ?, bytes = ?, result = ?, etag = ?, last_modified = ?, fetched_at = ?";

/** The prepared statements of a ledger. */
interface Statements {
  insertQueued: StatementSync;
  insertDone: StatementSync;
  markDone: StatementSync;
  pendingAfter: StatementSync;
  isDone: StatementSync;
  idOf: StatementSync;
  putMeta: StatementSync;
  loadRobots: StatementSync;
  saveRobots: StatementSync;
}

function prepare(db: DatabaseSync): Statements {
  return {
    insertQueued: db.prepare(
      "INSERT INTO urls (url, host, depth, referrer, parent, sitemap, via, lastmod, gen, queued) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
    ),
    insertDone: db.prepare(
      "INSERT INTO urls (url, host, depth, referrer, parent, sitemap, via, lastmod, gen, queued, done, status, skipped, error, bytes, result, etag, last_modified, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO NOTHING",
    ),
    markDone: db.prepare(`UPDATE urls SET ${DONE_SET} WHERE id = ?`),
    pendingAfter: db.prepare(
      `SELECT ${PENDING_COLUMNS} FROM urls WHERE done = 0 AND id > ? ORDER BY id LIMIT ?`,
    ),
    isDone: db.prepare("SELECT done, gen FROM urls WHERE url = ?"),
    idOf: db.prepare("SELECT id FROM urls WHERE url = ?"),
    putMeta: db.prepare(PUT_META),
    loadRobots: db.prepare(
      "SELECT origin, outcome, status, text, fetched_at FROM robots WHERE origin = ?",
    ),
    saveRobots: db.prepare(
      "INSERT INTO robots (origin, outcome, status, text, fetched_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (origin) DO UPDATE SET outcome = excluded.outcome, status = excluded.status, text = excluded.text, fetched_at = excluded.fetched_at",
    ),
  };
}

/** Reads and writes a state file's URLs, results, robots and meta. */
export class Ledger {
  readonly #db: DatabaseSync;
  readonly #s: Statements;
  #inTx = false;
  /** The recrawl generation URLs are queued and settled in now. */
  generation = 0;

  /**
   * Prepares the ledger's statements.
   *
   * @param db An open state file.
   */
  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#s = prepare(db);
  }

  /** Whether writes wait in an open transaction. */
  get inTransaction(): boolean {
    return this.#inTx;
  }

  /** Commits the open transaction, if any. */
  commit(): void {
    // A failed write (a full disk) may have rolled the transaction back:
    // then there is nothing to commit, and the next write begins anew.
    if (!this.#db.isTransaction) {
      this.#inTx = false;
      return;
    }
    try {
      this.#db.exec("COMMIT");
    } finally {
      this.#inTx = this.#db.isTransaction;
    }
  }

  /**
   * Sets a meta value (in the open transaction).
   *
   * @param key The key.
   * @param value The value.
   */
  putMeta(key: string, value: string): void {
    this.#s.putMeta.run(key, value);
  }

  /**
   * Records a queued URL.
   *
   * @param entry The entry.
   * @returns Its row id.
   */
  queued(entry: FrontierEntry): number {
    this.#begin();
    const { lastInsertRowid } = this.#s.insertQueued.run(
      entry.url,
      entry.host,
      entry.depth,
      entry.referrer ?? null,
      parentColumn(entry),
      ...entryColumns(entry),
      this.generation,
    );
    return Number(lastInsertRowid);
  }

  /**
   * Records a result: for the queued row `id`, or (without `id`) as a URL
   * settled without a request (unless it is recorded already).
   *
   * @param result The result.
   * @param json Its JSON line.
   * @param id The queued row.
   */
  done(result: CrawlResult, json: string, id?: number): void {
    this.#begin();
    if (id !== undefined) {
      this.#s.markDone.run(...doneColumns(result, json), id);
      return;
    }
    this.#s.insertDone.run(
      result.url,
      hostOf(result.url),
      result.depth ?? 0,
      result.referrer ?? null,
      result.trace?.parentSpanId ?? null,
      null,
      result.via ?? null,
      result.lastmod ?? null,
      this.generation,
      ...doneColumns(result, json),
    );
  }

  /**
   * Records a result for a URL, queued or not.
   *
   * @param result The result.
   * @param json Its JSON line.
   */
  settle(result: CrawlResult, json: string): void {
    const row = this.#s.idOf.get(result.url) as { id: number } | undefined;
    this.done(result, json, row?.id);
  }

  /**
   * Whether `url` has a committed result: now (without `generation`), or
   * in recrawl `generation` (0: the first crawl), which a later recrawl
   * queueing the URL again does not undo.
   *
   * @param url A URL in normal form.
   * @param generation The recrawl asked about.
   * @returns `true` when done.
   */
  isDone(url: string, generation?: number): boolean {
    const row = this.#s.isDone.get(url) as
      | { done: number; gen: number }
      | undefined;
    if (row === undefined) return false;
    if (generation === undefined) return row.done === 1;
    return row.gen > generation || (row.gen === generation && row.done === 1);
  }

  /**
   * Every result, in the order the URLs were first recorded: each URL's
   * latest committed one, with its recrawl generation.
   *
   * @returns The results as JSON lines.
   */
  *results(): IterableIterator<StoredResult> {
    const rows = this.#db.prepare(
      "SELECT url, result, gen FROM urls WHERE done = 1 ORDER BY id",
    ).iterate() as IterableIterator<
      { url: string; result: string; gen: number }
    >;
    for (const row of rows) {
      const generation = Number(row.gen);
      yield generation > 0
        ? { url: row.url, json: row.result, generation }
        : { url: row.url, json: row.result };
    }
  }

  /**
   * Every URL recorded (the dedupe set's contents).
   *
   * @returns The URLs.
   */
  *urls(): Generator<string> {
    const rows = this.#db.prepare("SELECT url FROM urls").iterate() as Iterable<
      { url: string }
    >;
    for (const row of rows) yield row.url;
  }

  /**
   * Counts the URLs queued (against the budget) and not done.
   *
   * @returns The counts.
   */
  counts(): { accepted: number; pending: number } {
    const count = (sql: string) =>
      Number((this.#db.prepare(sql).get() as { n: number }).n);
    return {
      accepted: count("SELECT count(*) AS n FROM urls WHERE queued = 1"),
      pending: count("SELECT count(*) AS n FROM urls WHERE done = 0"),
    };
  }

  /**
   * Up to `limit` pending URLs with row ids above `after`, by id.
   *
   * @param after The last id loaded.
   * @param limit How many at most.
   * @returns The entries.
   */
  pendingAfter(after: number, limit: number): JournalEntry[] {
    const rows = this.#s.pendingAfter.all(
      after,
      limit,
    ) as unknown as PendingRow[];
    return rows.map(entryOf);
  }

  /** The robots.txt records, written in the open transaction. */
  readonly robots: RobotsStore = {
    load: (origin) => {
      const row = this.#s.loadRobots.get(origin) as RobotsRow | undefined;
      return row ? robotsRecordOf(row) : undefined;
    },
    save: (record) => {
      this.#begin();
      this.#s.saveRobots.run(...robotsColumns(record));
    },
  };

  /** Deletes everything (a fresh start). */
  clear(): void {
    this.#db.exec("DELETE FROM urls; DELETE FROM robots; DELETE FROM meta;");
  }

  #begin(): void {
    if (this.#inTx && this.#db.isTransaction) return;
    this.#db.exec("BEGIN");
    this.#inTx = true;
  }
}
