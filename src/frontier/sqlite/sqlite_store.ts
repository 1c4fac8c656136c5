/**
 * A durable frontier store in one SQLite file (`node:sqlite`, built into
 * Deno): the crawl survives any stop, `kill -9` included.
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { existsSync } from "node:fs";
import type { CrawlResult } from "../../crawler/result.ts";
import type { CrawlStatus } from "../status.ts";
import {
  Frontier,
  type FrontierJournal,
  type JournalEntry,
  type JournalState,
} from "../frontier.ts";
import type {
  CrawlFrontier,
  FrontierContext,
  FrontierEntry,
  RobotsRecord,
  RobotsStore,
  StateMode,
} from "../store.ts";
import { StateLockedError, StateMismatchError } from "../state_errors.ts";
import { compareIdentity } from "../state_identity.ts";

const SCHEMA_VERSION = "1";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS urls (
  id INTEGER PRIMARY KEY,
  url TEXT NOT NULL UNIQUE,
  host TEXT NOT NULL,
  depth INTEGER NOT NULL,
  referrer TEXT,
  parent TEXT,
  queued INTEGER NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  status INTEGER,
  skipped TEXT,
  error TEXT,
  bytes INTEGER,
  result TEXT
);
CREATE INDEX IF NOT EXISTS urls_pending ON urls (id) WHERE done = 0;
CREATE TABLE IF NOT EXISTS robots (
  origin TEXT PRIMARY KEY,
  outcome TEXT NOT NULL,
  status INTEGER,
  text TEXT,
  fetched_at INTEGER NOT NULL
);
`;

/** Options of {@linkcode SqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * Queued URLs kept in memory at most; the rest wait in the file and are
   * loaded as the window drains.
   *
   * @default {10000}
   */
  window?: number;
  /**
   * `PRAGMA synchronous`: `"normal"` survives any process crash (`kill -9`)
   * and may lose the last commits, never consistency, on a power cut (trawl
   * then refetches those URLs); `"full"` also survives a power cut, at about
   * a fifth of the commit rate.
   *
   * @default {"normal"}
   */
  synchronous?: "normal" | "full";
}

/** What the crawl's identity is checked against. */
export interface StateIdentity {
  /** The seeds, in normal form. */
  seeds: readonly string[];
  /** The settings that shape what is crawled. */
  settings: Readonly<Record<string, unknown>>;
  /** What to do with a state made differently. @default {"auto"} */
  mode?: StateMode;
}

/** A committed result as stored. */
export interface StoredResult {
  /** The URL. */
  url: string;
  /** The result, as the JSON line the CLI writes. */
  json: string;
}

/**
 * Keeps a crawl in one SQLite file: the frontier (queued URLs beyond a
 * bounded in-memory window), the dedupe set, each URL's status and result,
 * robots.txt answers and counters. Each result is committed together with
 * its URL's done mark and the URLs its page found, so a crawl stopped any
 * way at all (Ctrl-C, `kill -9`, a power cut) continues where it stopped:
 * URLs that were in flight are fetched again, finished ones are not.
 *
 * One process at a time may hold a state file (it is locked through a
 * `PATH.lock` file beside it); {@linkcode SqliteStore.status} reads it
 * while a crawl runs.
 *
 * Needs `--allow-read=PATH,PATH.lock --allow-write=PATH,PATH.lock` plus
 * SQLite's `-wal` and `-shm` files beside it (granting the folder is
 * simplest).
 *
 * @example Crawl durably and resume after any stop
 * ```ts ignore
 * import { crawl, SqliteStore } from "@trawl/trawl";
 *
 * const store = new SqliteStore("crawl.db");
 * for await (const r of crawl(["https://example.com/"], { store })) {
 *   console.log(r.url); // run it again: it goes on where it stopped
 * }
 * ```
 */
export class SqliteStore implements AsyncDisposable {
  readonly #path: string;
  readonly #window: number;
  readonly #synchronous: "normal" | "full";
  #db?: DatabaseSync;
  #lock?: DatabaseSync;
  #prepared?: string;
  #inTx = false;
  #closed = false;
  #stmts?: Statements;
  #context?: FrontierContext;
  /** The counters as last written. */
  #counters?: string;

  /**
   * Names the state file; nothing is opened until it is used.
   *
   * @param path The SQLite file (created when missing).
   * @param options The memory window and durability level.
   */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (typeof path !== "string" || path === "" || path === ":memory:") {
      throw new TypeError(
        `Cannot create SqliteStore as 'path' must name a file: current value is ${
          JSON.stringify(path)
        }`,
      );
    }
    const window = options.window ?? 10_000;
    if (!Number.isInteger(window) || window < 1) {
      throw new RangeError(
        `Cannot create SqliteStore as 'window' must be a positive integer: current value is ${window}`,
      );
    }
    const sync = options.synchronous ?? "normal";
    if (sync !== "normal" && sync !== "full") {
      throw new TypeError(
        `Cannot create SqliteStore as 'synchronous' must be "normal" or "full": current value is ${sync}`,
      );
    }
    this.#path = path;
    this.#window = window;
    this.#synchronous = sync;
  }

  /** The state file's path. */
  get path(): string {
    return this.#path;
  }

  /**
   * Builds the crawl's durable frontier on this file.
   *
   * @param context The crawl's limits, spawner and stats.
   * @returns The frontier.
   */
  createFrontier(context: FrontierContext): CrawlFrontier {
    const journal: FrontierJournal = {
      open: (ctx) => {
        this.#context = ctx;
        const state = this.prepare({
          seeds: ctx.seeds,
          settings: ctx.settings,
          mode: ctx.mode,
        });
        this.#restoreStats(ctx, this.#meta());
        return state;
      },
      queued: (entry) => this.#queued(entry),
      done: (result, id) => this.#done(result, id),
      pendingAfter: (after, limit) => this.#pendingAfter(after, limit),
      flush: () => this.flush(),
      robots: this.#robotsStore(),
      close: () => this.close(),
    };
    return new Frontier(context, { journal, window: this.#window });
  }

  /**
   * Opens and locks the file, then checks the stored crawl against
   * `identity`: a new file takes it; a matching one continues; a different
   * one throws {@linkcode StateMismatchError} unless `mode` is `"resume"`
   * (continue, and take the new seeds and settings) or `"fresh"` (discard
   * everything stored). Calling it again with the same identity does
   * nothing, so a caller may prepare the store before the crawler does.
   *
   * @param identity The crawl's seeds, settings and mode.
   * @returns What the file holds.
   * @throws {StateLockedError} When another process holds the file.
   * @throws {StateMismatchError} When the stored crawl differs.
   */
  prepare(identity: StateIdentity): JournalState {
    const key = JSON.stringify([identity.seeds, identity.settings]);
    const db = this.#open();
    if (this.#prepared === key) return this.#load(db);
    const mode = identity.mode ?? "auto";
    const meta = this.#meta();
    const stored = meta.get("seeds");
    if (stored !== undefined && mode === "fresh" && this.#prepared !== key) {
      db.exec("DELETE FROM urls; DELETE FROM robots; DELETE FROM meta;");
      meta.clear();
    } else if (stored !== undefined && mode !== "resume") {
      const differences = compareIdentity(
        JSON.parse(stored),
        JSON.parse(meta.get("settings") ?? "{}"),
        identity.seeds,
        identity.settings,
      );
      if (differences.length > 0) {
        throw new StateMismatchError(this.#path, differences);
      }
    }
    const seeds = stored === undefined || mode !== "resume"
      ? [...identity.seeds]
      : [...new Set([...JSON.parse(stored), ...identity.seeds])];
    const put = db.prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
    put.run("version", SCHEMA_VERSION);
    put.run("seeds", JSON.stringify(seeds));
    put.run("settings", JSON.stringify(identity.settings));
    this.#prepared = key;
    return this.#load(db);
  }

  #load(db: DatabaseSync): JournalState {
    const count = (sql: string) =>
      Number((db.prepare(sql).get() as { n: number }).n);
    return {
      seen: iterateUrls(db),
      accepted: count("SELECT count(*) AS n FROM urls WHERE queued = 1"),
      pending: count("SELECT count(*) AS n FROM urls WHERE done = 0"),
    };
  }

  /**
   * Commits every write so far in one transaction (with the counters).
   */
  flush(): void {
    if (!this.#inTx || !this.#db) return;
    const stats = this.#context?.stats;
    if (stats) {
      const counters = JSON.stringify({
        retries: stats.retries,
        sitemaps: stats.sitemaps,
      });
      if (counters !== this.#counters) {
        this.#statements().putMeta.run("counters", counters);
        this.#counters = counters;
      }
    }
    this.#db.exec("COMMIT");
    this.#inTx = false;
  }

  /**
   * Whether `url` has a committed result.
   *
   * @param url A URL in normal form.
   * @returns `true` when done.
   */
  isDone(url: string): boolean {
    const row = this.#statements().isDone.get(url) as
      | { done: number }
      | undefined;
    return row?.done === 1;
  }

  /**
   * Every committed result, in the order the URLs were first recorded.
   *
   * @returns An iterator of results as JSON lines.
   */
  *results(): IterableIterator<StoredResult> {
    this.flush();
    const rows = this.#open().prepare(
      "SELECT url, result FROM urls WHERE done = 1 ORDER BY id",
    ).iterate() as IterableIterator<{ url: string; result: string }>;
    for (const row of rows) yield { url: row.url, json: row.result };
  }

  /**
   * Marks a URL done with a result obtained elsewhere (for example from
   * another crawl's output), so the crawl neither fetches nor yields it. The
   * page's links are not followed: URLs reachable only through it are not
   * crawled.
   *
   * @param json A result as a JSON line.
   * @returns `false` when the line is not a result or its URL was done.
   */
  importResult(json: string): boolean {
    let result: CrawlResult;
    try {
      result = JSON.parse(json);
    } catch {
      return false;
    }
    if (
      typeof result?.url !== "string" || typeof result.status !== "number" ||
      this.isDone(result.url)
    ) {
      return false;
    }
    const s = this.#statements();
    this.#begin();
    const row = s.idOf.get(result.url) as { id: number } | undefined;
    if (row) {
      s.markDone.run(...doneColumns(result, json), row.id);
    } else {
      s.insertDone.run(
        result.url,
        hostOf(result.url),
        result.depth ?? 0,
        result.referrer ?? null,
        result.trace?.parentSpanId ?? null,
        ...doneColumns(result, json),
      );
    }
    return true;
  }

  /**
   * Reads a state file's progress without crawling (and without taking its
   * lock, so it works while a crawl runs).
   *
   * @param path The state file.
   * @returns Counts: done, pending, failed by reason, per host.
   * @throws {Deno.errors.NotFound}-like `Error` when there is no such file.
   */
  static status(path: string): CrawlStatus {
    if (!existsSync(path)) {
      throw new Error(`No crawl state at ${path}`);
    }
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      db.exec("BEGIN"); // one snapshot for every count
      return readStatus(db, path);
    } finally {
      db.close();
    }
  }

  /** Commits what is pending and closes the file, releasing its lock. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.flush();
    } finally {
      this.#db?.close();
      try {
        this.#lock?.exec("ROLLBACK");
      } catch {
        // Not in a transaction.
      }
      this.#lock?.close();
    }
  }

  /** Closes the store. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  #open(): DatabaseSync {
    if (this.#closed) {
      throw new Error(`Cannot use SqliteStore ${this.#path}: it is closed`);
    }
    if (this.#db) return this.#db;
    const lock = new DatabaseSync(`${this.#path}.lock`);
    try {
      lock.exec("PRAGMA busy_timeout = 0; BEGIN EXCLUSIVE");
    } catch (err) {
      lock.close();
      throw new StateLockedError(this.#path, { cause: err });
    }
    this.#lock = lock;
    const db = new DatabaseSync(this.#path);
    db.exec(
      `PRAGMA journal_mode = WAL; PRAGMA synchronous = ${this.#synchronous}; PRAGMA busy_timeout = 5000;`,
    );
    db.exec(SCHEMA);
    this.#db = db;
    return db;
  }

  #statements(): Statements {
    if (this.#stmts && !this.#closed) return this.#stmts;
    const db = this.#open();
    const doneSet =
      "done = 1, status = ?, skipped = ?, error = ?, bytes = ?, result = ?";
    this.#stmts = {
      insertQueued: db.prepare(
        "INSERT INTO urls (url, host, depth, referrer, parent, queued) VALUES (?, ?, ?, ?, ?, 1)",
      ),
      insertDone: db.prepare(
        "INSERT INTO urls (url, host, depth, referrer, parent, queued, done, status, skipped, error, bytes, result) VALUES (?, ?, ?, ?, ?, 0, 1, ?, ?, ?, ?, ?) ON CONFLICT (url) DO NOTHING",
      ),
      markDone: db.prepare(`UPDATE urls SET ${doneSet} WHERE id = ?`),
      pendingAfter: db.prepare(
        "SELECT id, url, host, depth, referrer, parent FROM urls WHERE done = 0 AND id > ? ORDER BY id LIMIT ?",
      ),
      isDone: db.prepare("SELECT done FROM urls WHERE url = ?"),
      idOf: db.prepare("SELECT id FROM urls WHERE url = ?"),
      putMeta: db.prepare(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
      loadRobots: db.prepare(
        "SELECT origin, outcome, status, text, fetched_at FROM robots WHERE origin = ?",
      ),
      saveRobots: db.prepare(
        "INSERT INTO robots (origin, outcome, status, text, fetched_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (origin) DO UPDATE SET outcome = excluded.outcome, status = excluded.status, text = excluded.text, fetched_at = excluded.fetched_at",
      ),
    };
    return this.#stmts;
  }

  #begin(): void {
    if (this.#inTx) return;
    this.#open().exec("BEGIN");
    this.#inTx = true;
  }

  #queued(entry: FrontierEntry): number {
    const s = this.#statements();
    this.#begin();
    const { lastInsertRowid } = s.insertQueued.run(
      entry.url,
      entry.host,
      entry.depth,
      entry.referrer ?? null,
      entry.parentSpanId ?? null,
    );
    return Number(lastInsertRowid);
  }

  #done(result: CrawlResult, id?: number): void {
    const s = this.#statements();
    this.#begin();
    const json = JSON.stringify(result);
    if (id !== undefined) {
      s.markDone.run(...doneColumns(result, json), id);
    } else {
      s.insertDone.run(
        result.url,
        hostOf(result.url),
        result.depth,
        result.referrer ?? null,
        result.trace.parentSpanId ?? null,
        ...doneColumns(result, json),
      );
    }
  }

  #pendingAfter(after: number, limit: number): JournalEntry[] {
    const rows = this.#statements().pendingAfter.all(after, limit) as {
      id: number;
      url: string;
      host: string;
      depth: number;
      referrer: string | null;
      parent: string | null;
    }[];
    return rows.map((r) => {
      const e: JournalEntry = {
        id: r.id,
        url: r.url,
        host: r.host,
        depth: r.depth,
      };
      if (r.referrer !== null) e.referrer = r.referrer;
      if (r.parent !== null) e.parentSpanId = r.parent;
      return e;
    });
  }

  #robotsStore(): RobotsStore {
    return {
      load: (origin) => {
        const row = this.#statements().loadRobots.get(origin) as
          | {
            origin: string;
            outcome: "rules" | "allow-all";
            status: number | null;
            text: string | null;
            fetched_at: number;
          }
          | undefined;
        if (!row) return undefined;
        const record: RobotsRecord = {
          origin: row.origin,
          outcome: row.outcome,
          fetchedAt: row.fetched_at,
        };
        if (row.status !== null) record.status = row.status;
        if (row.text !== null) record.text = row.text;
        return record;
      },
      save: (record) => {
        this.#begin();
        this.#statements().saveRobots.run(
          record.origin,
          record.outcome,
          record.status ?? null,
          record.text ?? null,
          record.fetchedAt,
        );
      },
    };
  }

  #meta(): Map<string, string> {
    const rows = this.#open().prepare("SELECT key, value FROM meta").all() as {
      key: string;
      value: string;
    }[];
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  #restoreStats(context: FrontierContext, meta: Map<string, string>): void {
    const status = readStatus(this.#open(), this.#path, false);
    const stats = context.stats;
    stats.accepted = status.accepted;
    stats.done = status.done;
    stats.byStatusClass = status.byStatusClass;
    stats.errors = Object.values(status.errors).reduce((a, b) => a + b, 0);
    stats.skipped = status.skipped;
    const bytes = this.#open().prepare(
      "SELECT coalesce(sum(bytes), 0) AS n FROM urls WHERE done = 1",
    ).get() as { n: number };
    stats.bytes = Number(bytes.n);
    try {
      const counters = JSON.parse(meta.get("counters") ?? "{}");
      if (Number.isFinite(counters.retries)) stats.retries = counters.retries;
      if (Array.isArray(counters.sitemaps)) stats.sitemaps = counters.sitemaps;
    } catch {
      // Counters are informative only.
    }
  }
}

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

function doneColumns(
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

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}

function* iterateUrls(db: DatabaseSync): Generator<string> {
  const rows = db.prepare("SELECT url FROM urls").iterate() as Iterable<
    { url: string }
  >;
  for (const row of rows) yield row.url;
}

/** The state's counts; `withHosts: false` skips the per-host breakdown. */
function readStatus(
  db: DatabaseSync,
  location: string,
  withHosts = true,
): CrawlStatus {
  const meta = new Map(
    (db.prepare("SELECT key, value FROM meta").all() as {
      key: string;
      value: string;
    }[]).map((r) => [r.key, r.value]),
  );
  const totals = db.prepare(
    "SELECT count(*) AS accepted, coalesce(sum(done), 0) AS done FROM urls",
  ).get() as { accepted: number; done: number };
  const byStatusClass: Record<string, number> = {};
  for (
    const r of db.prepare(
      "SELECT status / 100 AS c, count(*) AS n FROM urls WHERE done = 1 AND status > 0 GROUP BY c ORDER BY c",
    ).all() as { c: number; n: number }[]
  ) byStatusClass[`${r.c}xx`] = Number(r.n);
  const group = (column: string) => {
    const out: Record<string, number> = {};
    for (
      const r of db.prepare(
        `SELECT ${column} AS k, count(*) AS n FROM urls WHERE done = 1 AND ${column} IS NOT NULL GROUP BY k ORDER BY n DESC`,
      ).all() as { k: string; n: number }[]
    ) out[r.k] = Number(r.n);
    return out;
  };
  const hosts = !withHosts ? [] : (db.prepare(
    `SELECT host, sum(done) AS done, sum(1 - done) AS pending,
       sum(CASE WHEN done = 1 AND (error IS NOT NULL OR status >= 400) THEN 1 ELSE 0 END) AS failed
     FROM urls GROUP BY host ORDER BY pending DESC, done DESC, host`,
  ).all() as {
    host: string;
    done: number;
    pending: number;
    failed: number;
  }[]).map((r) => ({
    host: r.host,
    done: Number(r.done),
    pending: Number(r.pending),
    failed: Number(r.failed),
  }));
  return {
    location,
    seeds: JSON.parse(meta.get("seeds") ?? "[]"),
    accepted: Number(totals.accepted),
    done: Number(totals.done),
    pending: Number(totals.accepted) - Number(totals.done),
    byStatusClass,
    errors: group("error"),
    skipped: group("skipped"),
    hosts,
  };
}
