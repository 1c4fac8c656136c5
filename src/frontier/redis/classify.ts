/**
 * What a failed Redis command means: a wrong setting (fail now), a lost
 * crawl (fail now), or an outage (pause and retry). See `connection.ts`.
 *
 * @module
 */
import { isErrorReply } from "./redis_module.ts";
import type { RedisEndpoint } from "./endpoint.ts";
import { CrawlLostError, RedisConfigError } from "./errors.ts";
import type { Probe } from "./probe.ts";

/** A command got no answer before its deadline. */
export class NoAnswerError extends Error {
  /**
   * Creates the error.
   *
   * @param ms The deadline, ms.
   */
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = "NoAnswerError";
  }
}

/** An outage: worth retrying. */
export interface Transient {
  /** Whether the connection is to be dropped (and made again). */
  connection: boolean;
  /** Whether the server took the connection but did not answer. */
  silent: boolean;
  /** Whether nothing listens (the connection was refused). */
  refused: boolean;
}

/** The prefix of the scripts' error when the crawl's id does not match. */
export const CRAWL_LOST = "TRAWL_CRAWL_LOST";

/** Server errors worth retrying: the server is starting, busy or failing over. */
const TRANSIENT = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY)\b/;

/** Node's and Deno's certificate errors. */
const CERTIFICATE =
  /certificate|self[- ]signed|unknownissuer|altname|CERT_|UNABLE_TO_VERIFY/i;

/**
 * Sorts a failure: throws the error to fail with at once (a wrong setting, a
 * lost crawl, a server error that retrying cannot mend), or says how to
 * retry.
 *
 * @param err What the command failed with.
 * @param endpoint The server (for messages).
 * @param crawl The crawl's name (for messages).
 * @returns How to retry.
 * @throws {RedisConfigError} On a wrong setting.
 * @throws {CrawlLostError} When a script found the crawl gone or replaced.
 */
export function classify(
  err: unknown,
  endpoint: RedisEndpoint,
  crawl: string,
): Transient {
  const address = endpoint.address;
  if (isErrorReply(err)) {
    const msg = err.message;
    if (TRANSIENT.test(msg)) {
      return { connection: false, silent: false, refused: false };
    }
    if (msg.startsWith(CRAWL_LOST)) {
      const reason = /\b(replaced|missing)\b/.exec(msg)?.[1] as
        | "replaced"
        | "missing"
        | undefined;
      throw new CrawlLostError(address, crawl, reason ?? "gone", {
        cause: err,
      });
    }
    throw configError(msg, endpoint, err) ?? err;
  }
  const e = err as { name?: string; code?: string; message?: string };
  const text = `${e?.code ?? ""} ${e?.message ?? ""}`;
  if (CERTIFICATE.test(text)) {
    throw new RedisConfigError(
      "certificate",
      address,
      `its TLS certificate does not verify (${e?.message}): give the CA that signed it (the tls.ca option; --redis-ca FILE in the CLI)`,
      { cause: err },
    );
  }
  return {
    connection: true,
    silent: e?.name === "NoAnswerError" ||
      e?.name === "ConnectionTimeoutError",
    refused: /ECONNREFUSED|refused/i.test(text),
  };
}

/** The wrong setting a server's error reply names, if any. */
function configError(
  msg: string,
  endpoint: RedisEndpoint,
  cause: unknown,
): RedisConfigError | undefined {
  const address = endpoint.address;
  const user = endpoint.username;
  if (/^WRONGPASS|invalid password|invalid username/i.test(msg)) {
    return new RedisConfigError(
      "auth",
      address,
      `it refused the ${
        user !== undefined ? `user '${user}' or its password` : "password"
      } (${msg})`,
      { cause },
    );
  }
  if (/called without any password configured/i.test(msg)) {
    return new RedisConfigError(
      "auth",
      address,
      `a password was given but the server has none set (${msg})`,
      { cause },
    );
  }
  // An unauthenticated client's long command is refused as a protocol error.
  if (/^NOAUTH|Protocol error: unauthenticated/.test(msg)) {
    return new RedisConfigError(
      "noauth",
      address,
      `it needs a password: give it in the URL, ${
        endpoint.tls ? "rediss" : "redis"
      }://:PASSWORD@HOST:PORT/DB (or USER:PASSWORD@ for an ACL user) (${msg})`,
      { cause },
    );
  }
  if (/^NOPERM/.test(msg)) {
    return new RedisConfigError(
      "permission",
      address,
      `the user ${
        user !== undefined ? `'${user}'` : "default"
      } lacks a permission the crawl needs (${msg})`,
      { cause },
    );
  }
  if (/non local key/i.test(msg)) {
    return new RedisConfigError(
      "slot-moved",
      address,
      `the cluster moved the crawl's hash slot while a script ran (${msg}): stop the crawl's processes while its slot is resharded; a script stopped halfway may have left a page marked done without its result`,
      { cause },
    );
  }
  if (/DB index is out of range/i.test(msg)) {
    return new RedisConfigError(
      "database",
      address,
      `database ${endpoint.database} does not exist (${msg}); the server's 'databases' setting bounds the index`,
      { cause },
    );
  }
  return undefined;
}

/**
 * The wrong setting a probe of the server reveals, if any (see
 * `probe.ts`).
 *
 * @param probe What the probe found.
 * @param endpoint The server.
 * @param cause The failure that led to the probe.
 * @returns The error, or `undefined` when the server may just be down.
 */
export function probeError(
  probe: Probe,
  endpoint: RedisEndpoint,
  cause: unknown,
): RedisConfigError | undefined {
  const address = endpoint.address;
  const scheme = endpoint.cluster ? "+cluster://" : "://";
  switch (probe.verdict) {
    case "tls":
      return endpoint.tls ? undefined : new RedisConfigError(
        "tls-expected",
        address,
        `the server speaks TLS: use rediss${scheme} instead of redis${scheme}`,
        { cause },
      );
    case "redis":
      return endpoint.tls
        ? new RedisConfigError(
          "plain-expected",
          address,
          `the server speaks plain Redis, not TLS: use redis${scheme} instead of rediss${scheme}`,
          { cause },
        )
        : undefined;
    case "http":
      return new RedisConfigError(
        "not-redis",
        address,
        `the server is not Redis: it answered like an HTTP server (${probe.sample})`,
        { cause },
      );
    case "other":
      return new RedisConfigError(
        "not-redis",
        address,
        `the server is not Redis: it answered ${probe.sample}`,
        { cause },
      );
    default:
      return undefined;
  }
}
