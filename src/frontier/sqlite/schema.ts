/**
 * A state file's schema, and how it is opened: locked for one process
 * through a `PATH.lock` file beside it, in WAL mode.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { StateLockedError } from "../state_errors.ts";

/** The schema's version, kept in `meta`. */
export const SCHEMA_VERSION = "1";

/**
 * The tables: `meta` (seeds, settings, version, counters, checkpoints),
 * `urls` (every URL accepted or settled: its entry, whether it was queued
 * and is done, its result, and whether it is a page requisite) and `robots` (robots.txt answers by origin).
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
  requisite INTEGER
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
    addColumns(db);
    return { db, lock };
  } catch (err) {
    db?.close();
    releaseLock(lock);
    throw err;
  }
}

/** Adds the columns a state file written by an older trawl lacks. */
function addColumns(db: DatabaseSync): void {
  const columns = db.prepare("PRAGMA table_info(urls)").all() as {
    name: string;
  }[];
  if (!columns.some((c) => c.name === "requisite")) {
    db.exec("ALTER TABLE urls ADD COLUMN requisite INTEGER");
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
