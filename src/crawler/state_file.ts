/**
 * The `state` option: a SQLite file named when the crawler is made, and
 * opened (with `node:sqlite` loaded) only when a crawl with it starts, so
 * importing the crawler loads no SQLite.
 *
 * @module
 */
import type { FrontierStore } from "../frontier/store.ts";
import { STATE_PATH } from "../frontier/sqlite/rules.ts";
import { check } from "../options/validate.ts";

/**
 * The state file a crawl keeps its frontier in, checked up front.
 *
 * @example
 * ```ts
 * import { StateFile } from "./state_file.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new StateFile("crawl.db").path, "crawl.db");
 * assert.throws(() => new StateFile(""), TypeError);
 * ```
 */
export class StateFile {
  /** The file's path. */
  readonly path: string;

  /**
   * Checks the path: a file, not empty and not SQLite's `:memory:` (a
   * state must outlive the process).
   *
   * @param path The `state` option.
   * @throws {TypeError} When `path` does not name a file.
   */
  constructor(path: unknown) {
    this.path = check("crawl", "state", path, STATE_PATH);
  }
}

/** Where a crawl's frontier lives: a store, or a state file to open. */
export type StoreSource = FrontierStore | StateFile;

/**
 * The store of `source`: the store itself, or a `SqliteStore` on the state
 * file (its module, and `node:sqlite`, are loaded here, the first time).
 *
 * @example A store is used as it is
 * ```ts
 * import { openStore } from "./state_file.ts";
 * import { MemoryStore } from "../frontier/memory_store.ts";
 * import assert from "node:assert/strict";
 *
 * const store = new MemoryStore();
 * assert.equal(await openStore(store), store);
 * ```
 *
 * @param source The resolved `store` or `state` option.
 * @returns The store to build the frontier with.
 */
export async function openStore(source: StoreSource): Promise<FrontierStore> {
  if (!(source instanceof StateFile)) return source;
  const { SqliteStore } = await import("../frontier/sqlite/sqlite_store.ts");
  return new SqliteStore(source.path);
}
