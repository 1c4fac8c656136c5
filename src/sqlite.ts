/**
 * A crawl kept in one SQLite file (`node:sqlite`, built into Deno): run the
 * same crawl again after any stop (Ctrl-C, `kill -9`, a power cut) and it
 * goes on where it stopped. Pass it as the crawler's `store` option.
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
 *
 * @module
 */
export {
  SqliteStore,
  type SqliteStoreOptions,
  type StateIdentity,
  type StoredResult,
} from "./frontier/sqlite/sqlite_store.ts";
export type { JournalState } from "./frontier/frontier.ts";
export {
  StateLockedError,
  StateMismatchError,
  StateNotFoundError,
} from "./frontier/state_errors.ts";
