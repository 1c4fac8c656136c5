/**
 * `--redis-ca FILE`: the TLS settings of a `rediss://` shared crawl.
 *
 * @module
 */
import type { RedisTlsOptions } from "../frontier/redis/link.ts";
import { errorMessage } from "./terminal.ts";
import { UsageError } from "./usage_error.ts";

/**
 * The TLS settings of `--redis-ca FILE`: the CA certificates it holds, or
 * none (the runtime's store).
 *
 * @example Usage
 * ```ts ignore
 * const tls = await redisTls(config.redisCa);
 * ```
 *
 * @param path The `--redis-ca` file, if given.
 * @returns The TLS options for `RedisStore`.
 * @throws {UsageError} When the file cannot be read, naming the flag to add
 * when permission is missing.
 */
export async function redisTls(
  path: string | undefined,
): Promise<RedisTlsOptions> {
  if (path === undefined) return {};
  try {
    return { ca: await Deno.readTextFile(path) };
  } catch (err) {
    if (
      err instanceof Deno.errors.NotCapable ||
      err instanceof Deno.errors.PermissionDenied
    ) {
      throw new UsageError(
        `cannot read ${path}: run with --allow-read=${path}`,
        { cause: err },
      );
    }
    throw new UsageError(
      `cannot read --redis-ca ${path}: ${errorMessage(err)}`,
      { cause: err },
    );
  }
}
