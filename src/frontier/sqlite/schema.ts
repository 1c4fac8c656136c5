/**
 * A state file's schema, and how it is opened: locked for one process
 * through a `PATH.lock` file beside it, in WAL mode.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { StateLockedError } from "../state_errors.ts";

/**
 * The schema's version, kept in `meta`: 2 added the sitemap columns
 * (`sitemap`, `via`, `lastmod`) and the recrawl ones (`etag`,
 * `last_modified`, `fetched_at`, `gen`); a version-1 file gains them when it
 * is opened (see {@linkcode ADDED_COLUMNS}).
 */
export const SCHEMA_VERSION = "2";

/**
 * The tables: `meta` (seeds, settings, version, counters, the recrawl),
 * `urls` (every URL accepted or settled: its entry, whether it was queued
 * and is done, its result, its last response's validators and the recrawl
 * generation it was last queued or settled in) and `robots` (robots.txt
 * answers by origin).
 */
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
  result TEXT,
  sitemap INTEGER,
  via TEXT,
  lastmod TEXT,
  etag TEXT,
  last_modified TEXT,
  fetched_at INTEGER,
  gen INTEGER NOT NULL DEFAULT 0
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

/**
 * The `urls` columns schema version 2 added, with their definitions: a
 * version-1 file gets them by `ALTER TABLE` (its rows belong to the first
 * crawl, generation 0, and have no validators until fetched again).
 */
export const ADDED_COLUMNS: readonly (readonly [string, string])[] = [
  ["sitemap", "INTEGER"],
  ["via", "TEXT"],
  ["lastmod", "TEXT"],
  ["etag", "TEXT"],
  ["last_modified", "TEXT"],
  ["fetched_at", "INTEGER"],
  ["gen", "INTEGER NOT NULL DEFAULT 0"],
];

/** Sets a `meta` key. */
export const PUT_META =
  "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value";

/** An open, locked state file. */
export interface StateFile {
  /** The state. */
  db: DatabaseSync;
  /** The lock file, in an exclusive transaction while the state is open. */
  lock: DatabaseSync;
}

/**
 * Locks and opens a state file, creating its tables when missing.
 *
 * @param path The state file.
 * @param synchronous The `PRAGMA synchronous` level.
 * @returns The database and its lock.
 * @throws {StateLockedError} When another process holds the file.
 */
export function openStateFile(
  path: string,
  synchronous: "normal" | "full",
): StateFile {
  const lock = new DatabaseSync(`${path}.lock`);
  try {
    lock.exec("PRAGMA busy_timeout = 0; BEGIN EXCLUSIVE");
  } catch (err) {
    lock.close();
    throw new StateLockedError(path, { cause: err });
  }
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path);
    db.exec(
      `PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous}; PRAGMA busy_timeout = 5000;`,
    );
    db.exec(SCHEMA);
    migrate(db);
    return { db, lock };
  } catch (err) {
    db?.close();
    releaseLock(lock);
    throw err;
  }
}

/**
 * Brings a state file made by an older schema up to this one, in one
 * transaction: adds the `urls` columns it lacks.
 *
 * @param db The state, open for writing.
 */
export function migrate(db: DatabaseSync): void {
  const have = new Set(
    (db.prepare("PRAGMA table_info(urls)").all() as { name: string }[])
      .map((c) => c.name),
  );
  const missing = ADDED_COLUMNS.filter(([name]) => !have.has(name));
  if (missing.length === 0) return;
  db.exec("BEGIN");
  try {
    for (const [name, type] of missing) {
      db.exec(`ALTER TABLE urls ADD COLUMN ${name} ${type}`);
    }
    db.exec("COMMIT");
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}

/**
 * Closes a state file and releases its lock.
 *
 * @param file The file.
 */
export function closeStateFile(file: StateFile): void {
  try {
    file.db.close();
  } finally {
    releaseLock(file.lock);
  }
}

function releaseLock(lock: DatabaseSync): void {
  try {
    lock.exec("ROLLBACK");
  } catch {
    // Not in a transaction.
  }
  lock.close();
}

/**
 * The `meta` table.
 *
 * @param db The state.
 * @returns Its keys and values.
 */
export function readMeta(db: DatabaseSync): Map<string, string> {
  const rows = db.prepare("SELECT key, value FROM meta").all() as {
    key: string;
    value: string;
  }[];
  return new Map(rows.map((r) => [r.key, r.value]));
}
