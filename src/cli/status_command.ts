/**
 * `trawl status`: a stored crawl's progress, read without crawling.
 *
 * @module
 */
import { parseStatusArgs } from "./args.ts";
import { statusHelpText } from "./help.ts";
import { writeAll } from "./output/write_all.ts";
import { formatStatus } from "./status.ts";

/**
 * Prints the status of the crawl in `--state` or `--frontier`/`--crawl`, as
 * text or (`--json`) JSON, and resolves to the exit code 0.
 *
 * @example Usage
 * ```ts ignore
 * await statusCommand(["--state", "crawl.db"]);
 * ```
 *
 * @param argv The arguments after `status`.
 * @returns 0.
 * @throws {UsageError} On bad arguments, or a state that cannot be opened.
 */
export async function statusCommand(argv: readonly string[]): Promise<number> {
  const config = parseStatusArgs(argv);
  let text: string;
  if (config.help) {
    text = statusHelpText();
  } else {
    const report = config.state !== undefined
      ? await stateStatus(config.state)
      : await sharedStatus(config.frontier!, config.crawl!, config.redisCa);
    text = config.json
      ? JSON.stringify(report, null, 2) + "\n"
      : formatStatus(report);
  }
  await writeAll(Deno.stdout, new TextEncoder().encode(text));
  return 0;
}

async function stateStatus(path: string) {
  const { SqliteStore } = await import("../frontier/sqlite/sqlite_store.ts");
  try {
    return SqliteStore.status(path);
  } catch (err) {
    const { stateError } = await import("./durable_store.ts");
    throw await stateError(err, path);
  }
}

async function sharedStatus(
  url: string,
  crawl: string,
  redisCa: string | undefined,
) {
  const { RedisStore } = await import("../frontier/redis/redis_store.ts");
  const { redisTls } = await import("./redis_tls.ts");
  await using store = new RedisStore({
    url,
    crawl,
    redisTimeoutMs: 5_000,
    tls: await redisTls(redisCa),
  });
  return await store.status();
}
