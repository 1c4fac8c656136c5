/**
 * A durable frontier store in one SQLite file (`node:sqlite`, built into
 * Deno): the crawl survives any stop, `kill -9` included.
 *
 * The parts: `schema.ts` (tables, opening and locking), `ledger.ts` (URLs,
 * results, robots records), `status.ts` (counts) and `codec.ts` (rows).
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { existsSync } from "node:fs";
import type { CrawlResult } from "../../crawler/result.ts";
import { check, optional, POSITIVE_INT } from "../../options/validate.ts";
import { asDiskFull } from "../../io/disk_full_error.ts";
import { STORE_DEFAULTS } from "../defaults.ts";
import {
  Frontier,
  type FrontierJournal,
  type JournalState,
} from "../frontier.ts";
import { StateMismatchError, StateNotFoundError } from "../state_errors.ts";
import { compareIdentity } from "../state_identity.ts";
import type { CrawlStatus } from "../status.ts";
import type { CrawlFrontier, FrontierContext, StateMode } from "../store.ts";
import { Ledger, type StoredResult } from "./ledger.ts";
import { STATE_PATH, SYNCHRONOUS } from "./rules.ts";
import {
  closeStateFile,
  openStateFile,
  readMeta,
  SCHEMA_VERSION,
  type StateFile,
} from "./schema.ts";
import { readRecrawl, type RecrawlStart, startRecrawl } from "./recrawl.ts";
import { readStatus, restoreStats } from "./status.ts";

export type { StoredResult };

const ACTION = "create SqliteStore";

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
 * import { crawl } from "@trawl/trawl";
 * import { SqliteStore } from "@trawl/trawl/sqlite";
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
  #file?: StateFile;
  #ledger?: Ledger;
  #prepared?: string;
  #closed = false;
  #context?: FrontierContext;
  /** The counters as last written. */
  #counters?: string;

  /** A state file keeps every URL with its validators: it can be recrawled. */
  readonly supportsRecrawl = true;

  /**
   * Names the state file; nothing is opened until it is used.
   *
   * @param path The SQLite file (created when missing).
   * @param options The memory window and durability level.
   * @throws {TypeError} When `path` is empty or `:memory:`, or
   * `synchronous` is not a level.
   * @throws {RangeError} When `window` is not a positive integer.
   */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.#path = check(ACTION, "path", path, STATE_PATH);
    this.#window = optional(
      ACTION,
      "window",
      options.window,
      POSITIVE_INT,
      STORE_DEFAULTS.window,
    );
    this.#synchronous = optional(
      ACTION,
      "synchronous",
      options.synchronous,
      SYNCHRONOUS,
      STORE_DEFAULTS.synchronous,
    );
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
        this.prepare({
          seeds: ctx.seeds,
          settings: ctx.settings,
          mode: ctx.mode,
        });
        this.#openGeneration(ctx);
        restoreStats(this.#open().db, this.#path, ctx.stats);
        return this.#state(this.#use());
      },
      queued: (entry) => this.#write(() => this.#use().queued(entry)),
      done: (result, id) =>
        this.#write(() => this.#use().done(result, JSON.stringify(result), id)),
      pendingAfter: (after, limit) => this.#use().pendingAfter(after, limit),
      flush: () => this.flush(),
      robots: {
        load: (origin) => this.#use().robots.load(origin),
        save: (record) => this.#write(() => this.#use().robots.save(record)),
      },
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
    const ledger = this.#use();
    if (this.#prepared === key) return this.#state(ledger);
    const mode = identity.mode ?? "auto";
    const meta = readMeta(this.#open().db);
    const stored = meta.get("seeds");
    if (stored !== undefined && mode === "fresh") {
      ledger.clear();
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
    ledger.putMeta("version", SCHEMA_VERSION);
    ledger.putMeta("seeds", JSON.stringify(seeds));
    ledger.putMeta("settings", JSON.stringify(identity.settings));
    this.#prepared = key;
    return this.#state(ledger);
  }

  /**
   * Commits every write so far in one transaction (with the counters).
   */
  flush(): void {
    const ledger = this.#ledger;
    if (!ledger?.inTransaction) return;
    const stats = this.#context?.stats;
    if (stats) {
      const counters = JSON.stringify({
        retries: stats.retries,
        sitemaps: stats.sitemaps,
        sitemapsFetched: stats.sitemapsFetched,
        sitemapEntries: stats.sitemapEntries,
      });
      if (counters !== this.#counters) {
        ledger.putMeta("counters", counters);
        this.#counters = counters;
      }
    }
    this.#write(() => ledger.commit());
  }

  /** Runs a write; a full disk is thrown as a `DiskFullError`. */
  #write<T>(write: () => T): T {
    try {
      return write();
    } catch (err) {
      throw asDiskFull(err, this.#path);
    }
  }

  /**
   * Whether `url` has a committed result: now, or (with `generation`) in
   * that recrawl (0: the first crawl), which a later recrawl queueing the
   * URL again does not undo.
   *
   * @param url A URL in normal form.
   * @param generation The recrawl asked about (a result's `recrawl`, or 0).
   * @returns `true` when done.
   */
  isDone(url: string, generation?: number): boolean {
    return this.#use().isDone(url, generation);
  }

  /**
   * Every committed result (each URL's latest, with the recrawl it belongs
   * to), in the order the URLs were first recorded.
   *
   * @returns An iterator of results as JSON lines.
   */
  *results(): IterableIterator<StoredResult> {
    this.flush();
    yield* this.#use().results();
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
      this.#use().isDone(result.url)
    ) {
      return false;
    }
    this.#use().settle(result, json);
    return true;
  }

  /**
   * Reads a state file's progress without crawling (and without taking its
   * lock, so it works while a crawl runs).
   *
   * @param path The state file.
   * @returns Counts: done, pending, failed by reason, per host.
   * @throws {StateNotFoundError} When there is no such file.
   */
  static status(path: string): CrawlStatus {
    if (!existsSync(path)) {
      throw new StateNotFoundError(path);
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
      if (this.#file) closeStateFile(this.#file);
    }
  }

  /** Closes the store. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  #open(): StateFile {
    if (this.#closed) {
      throw new Error(`Cannot use SqliteStore ${this.#path}: it is closed`);
    }
    return this.#file ??= openStateFile(this.#path, this.#synchronous);
  }

  #use(): Ledger {
    const file = this.#open();
    return this.#ledger ??= new Ledger(file.db);
  }

  #state(ledger: Ledger): JournalState {
    return {
      seen: ledger.urls(),
      ...ledger.counts(),
      generation: ledger.generation,
    };
  }

  /**
   * Sets the generation the crawl works in: the last recrawl's, or with
   * `context.recrawl` a new one when nothing is pending (logged either way).
   */
  #openGeneration(context: FrontierContext): void {
    const ledger = this.#use();
    const db = this.#open().db;
    ledger.commit();
    const start: RecrawlStart | undefined = context.recrawl &&
      startRecrawl(db, context.recrawl.before, Date.now());
    ledger.generation = start?.generation ??
      readRecrawl(readMeta(db))?.generation ?? 0;
    if (start === undefined) return;
    const n = (v: number) => v.toLocaleString("en-US");
    const message = start.action === "started"
      ? `recrawl ${start.generation} started: ${
        n(start.requeued)
      } URL(s) to revisit`
      : start.action === "continued"
      ? `${
        start.generation > 0 ? `recrawl ${start.generation}` : "the crawl"
      } was not finished: continuing it (${n(start.pending)} URL(s) pending)`
      : "nothing to recrawl: no URL in the state was fetched before the cutoff";
    context.onLog({ level: "info", message, time: Date.now() });
  }
}
