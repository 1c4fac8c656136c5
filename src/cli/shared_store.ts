/**
 * `--frontier redis://… --crawl NAME`: the crawl shared through Redis. With
 * `--out`, results wait in Redis (the outbox) until their line is written;
 * on start this process writes what it committed but had not written, and
 * after the crawl what stopped processes on this machine left unwritten.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { hostname as osHostname } from "node:os";
import { RedisStore } from "../frontier/redis/redis_store.ts";
import { isRedisStoreError } from "../frontier/redis/errors.ts";
import { redisTls } from "./redis_tls.ts";
import type { CliConfig } from "./args.ts";
import type { CrawlStore } from "./crawl_store.ts";
import { describeSync } from "./output/output_repair.ts";
import { adoptDeadWorkers, recoverOwnOutput } from "./output/shared_output.ts";
import type { Reporter } from "./reporter.ts";
import { errorMessage } from "./terminal.ts";
import { UsageError } from "./usage_error.ts";

/**
 * Connects to the shared crawl of `--frontier` and `--crawl`.
 *
 * @example Usage
 * ```ts ignore
 * await using store = await openSharedStore(url, config, reporter);
 * ```
 *
 * @param url The `--frontier` URL.
 * @param config The command line.
 * @param reporter Where the output's recovery and adoptions are reported.
 * @returns The store.
 * @throws {UsageError} When `RedisStore` refuses an option, or `--redis-ca`
 * cannot be read.
 */
export async function openSharedStore(
  url: string,
  config: CliConfig,
  reporter: Reporter,
): Promise<CrawlStore> {
  const hostname = machineName();
  const output = config.out === undefined
    ? undefined
    : isAbsolute(config.out)
    ? config.out
    : resolve(Deno.cwd(), config.out);
  const tls = await redisTls(config.redisCa);
  // A worker whose output holds results continues a crawl: if Redis no
  // longer has it, starting it over would write pages twice.
  const mustExist = config.options.stateMode !== "fresh" &&
    output !== undefined && await hasContent(output);
  let store: RedisStore;
  try {
    store = new RedisStore({
      url,
      crawl: config.crawl!,
      worker: config.worker ??
        (output === undefined ? undefined : `${hostname}:${output}`),
      output,
      outbox: output !== undefined,
      leaseMs: config.leaseMs,
      redisTimeoutMs: config.redisTimeoutMs,
      slots: config.redisSlots,
      tls,
      mustExist,
    });
  } catch (err) {
    if (err instanceof RangeError || err instanceof TypeError) {
      throw new UsageError(errorMessage(err), { cause: err });
    }
    throw err;
  }
  const fresh = config.options.stateMode === "fresh";
  const acks: Promise<void>[] = [];
  const acknowledge = (urls: string[]) => {
    acks.push(
      store.acknowledge(urls).catch((err) => {
        // Redis is away or lost the crawl: the crawl's error says so, and a
        // restart writes nothing twice (the outbox is checked then).
        if (isRedisStoreError(err)) return;
        reporter.say(
          `trawl: could not acknowledge written results: ${errorMessage(err)}`,
        );
      }),
    );
  };
  return {
    store,
    append: !fresh,
    prepare: () => Promise.resolve(),
    async sync(out) {
      if (fresh || out.fsFile === undefined) return;
      const report = await recoverOwnOutput(store, out.fsFile);
      if (!reporter.quiet && (report.kept > 0 || report.appended > 0)) {
        reporter.say(describeSync(config.out!, report));
      }
    },
    onWritten: output === undefined ? undefined : acknowledge,
    async leftovers() {
      if (output === undefined) return [];
      return await adoptLeftovers(store, hostname, reporter);
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(acks);
      await store.close();
    },
  };
}

/** Results that dead workers on this machine committed but never wrote. */
async function adoptLeftovers(
  store: RedisStore,
  hostname: string,
  reporter: Reporter,
) {
  const adopted = await adoptDeadWorkers(store, hostname);
  if (adopted.adopted.length > 0) {
    reporter.say(
      `trawl: wrote ${adopted.results.length} result(s) left unwritten by stopped worker(s) ${
        adopted.adopted.join(", ")
      } (${adopted.found} were in their output already)`,
    );
  }
  if (adopted.elsewhere.length > 0) {
    reporter.say(
      `trawl: stopped worker(s) on other machines left unwritten results: ${
        adopted.elsewhere.join(", ")
      }; restart them with the same --worker to write them`,
    );
  }
  return adopted.results;
}

/** This machine's name, as workers register it. */
function machineName(): string {
  try {
    return osHostname();
  } catch {
    // --allow-sys=hostname not granted: workers are told apart by pid.
    return "unknown-host";
  }
}

/** Whether a file exists and is not empty. */
async function hasContent(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).size > 0;
  } catch {
    return false;
  }
}
