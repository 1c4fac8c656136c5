/**
 * `--state PATH`: the crawl in a SQLite file. The stored crawl is checked
 * before the output is touched; the output is then repaired against it and
 * appended to. A state that holds no crawl yet (a new file, or one whose
 * crawl never queued its seeds) starts the output again, as `--fresh` does:
 * no line of an old file can be one of its results.
 *
 * @module
 */
import { SqliteStore } from "../frontier/sqlite/sqlite_store.ts";
import type { CliConfig } from "./args.ts";
import type { CrawlStore } from "./crawl_store.ts";
import { describeSync, syncOutput } from "./output/output_repair.ts";
import { granted } from "./permissions.ts";
import type { Reporter } from "./reporter.ts";
import { UsageError } from "./usage_error.ts";

/**
 * Opens the SQLite file of `--state` (lazily: nothing is read until the
 * crawl is prepared).
 *
 * @example Usage
 * ```ts ignore
 * await using store = openDurableStore("crawl.db", config, reporter);
 * ```
 *
 * @param path The `--state` file.
 * @param config The command line.
 * @param reporter Where the output's repair is reported.
 * @returns The store.
 */
export function openDurableStore(
  path: string,
  config: CliConfig,
  reporter: Reporter,
): CrawlStore {
  const mode = config.options.stateMode ?? "auto";
  const store = new SqliteStore(path);
  let append = false;
  return {
    store,
    get append() {
      return append;
    },
    async prepare(crawler) {
      try {
        const stored = store.prepare({
          seeds: crawler.seeds,
          settings: crawler.settings,
          mode,
        });
        append = mode !== "fresh" && stored.accepted > 0;
      } catch (err) {
        throw await stateError(err, path);
      }
    },
    async sync(output, uncommitted) {
      if (!append || output.fsFile === undefined) return;
      const report = await syncOutput(
        output.fsFile,
        store,
        undefined,
        uncommitted,
      );
      if (!reporter.quiet) reporter.say(describeSync(config.out!, report));
    },
    leftovers: () => Promise.resolve([]),
    [Symbol.asyncDispose]() {
      store.close();
      return Promise.resolve();
    },
  };
}

/**
 * A state error as the user should see it: a mismatch, or a missing
 * permission (naming the flags to add), is a usage error.
 *
 * @example Usage
 * ```ts ignore
 * throw await stateError(err, "crawl.db");
 * ```
 *
 * @param err What opening or preparing the state threw.
 * @param path The state file.
 * @returns The error to throw.
 */
export async function stateError(err: unknown, path: string): Promise<unknown> {
  if (!(err instanceof Error)) return err;
  if (
    err instanceof Deno.errors.NotCapable ||
    err instanceof Deno.errors.PermissionDenied ||
    /permission|not capable|requires (read|write) access/i.test(err.message)
  ) {
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
    const ok = (await granted({ name: "read", path: dir })) &&
      (await granted({ name: "write", path: dir }));
    if (!ok) {
      return new UsageError(
        `cannot open the state ${path}: run with --allow-read=${dir} --allow-write=${dir} (SQLite keeps -wal, -shm and .lock files beside it)`,
        { cause: err },
      );
    }
  }
  return err;
}
