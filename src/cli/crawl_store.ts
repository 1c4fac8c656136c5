/**
 * Where the command's crawl lives: in memory, in a SQLite file (`--state`)
 * or in Redis (`--frontier`), with what each means for the output. SQLite
 * and the Redis client are loaded only for the flag that needs them.
 *
 * @module
 */
import type { Crawler } from "../crawler/crawler.ts";
import type { CrawlResult } from "../crawler/result.ts";
import type { FrontierStore } from "../frontier/store.ts";
import type { CliConfig } from "./args.ts";
import type { Output } from "./output/output.ts";
import type { Reporter } from "./reporter.ts";

/** A crawl's store as the command uses it; disposing of it closes it. */
export interface CrawlStore extends AsyncDisposable {
  /** The crawler's `store` option; `undefined` keeps the crawl in memory. */
  readonly store?: FrontierStore;
  /**
   * Whether the output file is kept and appended to, instead of truncated
   * (known once the crawl is prepared).
   */
  readonly append: boolean;
  /**
   * Checks the stored crawl against this one, before the output is touched.
   *
   * @param crawler The crawler, not started.
   */
  prepare(crawler: Crawler): Promise<void>;
  /**
   * Brings the output in line with the store before the crawl writes to it.
   *
   * @param output The open output.
   * @param uncommitted Receives URLs already in the output that must not be
   * written again.
   */
  sync(output: Output, uncommitted: Set<string>): Promise<void>;
  /** Told the URLs whose result lines are written, if the store asks. */
  readonly onWritten?: (urls: string[]) => void;
  /**
   * After a crawl that was not interrupted: results that stopped processes
   * left unwritten, for this output.
   *
   * @returns The results to write.
   */
  leftovers(): Promise<CrawlResult[]>;
}

/** A crawl in memory: the output is truncated, nothing is stored. */
const inMemory: CrawlStore = {
  append: false,
  prepare: () => Promise.resolve(),
  sync: () => Promise.resolve(),
  leftovers: () => Promise.resolve([]),
  [Symbol.asyncDispose]: () => Promise.resolve(),
};

/**
 * Opens the store the command line names.
 *
 * @example Usage
 * ```ts ignore
 * await using store = await openStore(config, reporter);
 * ```
 *
 * @param config The command line.
 * @param reporter Where the store's messages go.
 * @returns The store.
 * @throws {UsageError} When the store's options are refused.
 */
export async function openStore(
  config: CliConfig,
  reporter: Reporter,
): Promise<CrawlStore> {
  if (config.state !== undefined) {
    const { openDurableStore } = await import("./durable_store.ts");
    return openDurableStore(config.state, config, reporter);
  }
  if (config.frontier !== undefined) {
    const { openSharedStore } = await import("./shared_store.ts");
    return await openSharedStore(config.frontier, config, reporter);
  }
  return inMemory;
}
