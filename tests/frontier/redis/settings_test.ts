// Wrong Redis settings fail fast, before any crawling, with a
// RedisConfigError that says what is wrong: a bad password or ACL user, no
// password for a server that needs one, a permission the user lacks, a
// database index out of range, a port that is not Redis, TLS against a
// plain port and the reverse, a certificate that does not verify. And the
// right settings work: USER:PASSWORD@, rediss:// with the CA.
import assert from "node:assert/strict";
import {
  RedisConfigError,
  type RedisConfigProblem,
  type RedisStoreOptions,
} from "../../../src/frontier/redis/redis_store.ts";
import { redisTest, startRedisServer } from "../../_support/redis_server.ts";
import { serve } from "../../_support/serve.ts";
import { makeTestCerts } from "../../_support/tls_certs.ts";
import { drain, proc } from "./_processes.ts";

/** Long enough that waiting for it would show: the failures come at once. */
const PATIENT = { redisTimeoutMs: 30_000, commandTimeoutMs: 500 };

/** Opens a frontier on `url` and expects it to fail with `problem`. */
async function refused(
  url: string,
  crawl: string,
  problem: RedisConfigProblem,
  message: RegExp,
  store: Partial<RedisStoreOptions> = {},
): Promise<void> {
  const t0 = performance.now();
  await assert.rejects(
    () =>
      proc(url, crawl, {
        seeds: ["http://x.test/"],
        store: { ...PATIENT, ...store },
      }),
    (err) => {
      assert.ok(err instanceof RedisConfigError, String(err));
      assert.equal(err.name, "RedisConfigError");
      assert.equal(err.problem, problem, err.message);
      assert.match(err.message, message);
      return true;
    },
  );
  const took = performance.now() - t0;
  assert.ok(took < 3_000, `${url}: failed after ${took.toFixed(0)} ms`);
}

/** Opens a frontier on `url`, crawls its one seed, and closes it. */
async function works(
  url: string,
  crawl: string,
  store: Partial<RedisStoreOptions> = {},
): Promise<void> {
  const p = await proc(url, crawl, {
    seeds: ["http://ok.test/"],
    store: { ...PATIENT, ...store },
  });
  try {
    assert.equal((await drain(p.frontier)).length, 1);
  } finally {
    await p.close();
  }
}

redisTest(
  "RedisStore fails fast with RedisConfigError on a wrong password, a wrong ACL user, no password, or a missing permission",
  async ({ crawl }) => {
    await using server = await startRedisServer({
      args: [
        "--requirepass",
        "secret",
        "--user",
        "alice",
        "on",
        ">alicepw",
        "~*",
        "&*",
        "+@all",
        "--user",
        "bob",
        "on",
        ">bobpw",
        "~*",
        "&*",
        "+@all",
        "-@scripting",
      ],
    });
    const at = `127.0.0.1:${server.port}`;
    await refused(
      `redis://:wrong@${at}/0`,
      crawl,
      "auth",
      new RegExp(`^Redis at ${at}: it refused the password \\(WRONGPASS`),
    );
    await refused(
      `redis://alice:wrong@${at}/0`,
      crawl,
      "auth",
      /it refused the user 'alice' or its password/,
    );
    await refused(
      `redis://nobody:alicepw@${at}/0`,
      crawl,
      "auth",
      /user 'nobody'/,
    );
    await refused(
      `redis://${at}/0`,
      crawl,
      "noauth",
      /it needs a password: give it in the URL, redis:\/\/:PASSWORD@HOST:PORT\/DB/,
    );
    await refused(
      `redis://bob:bobpw@${at}/0`,
      crawl,
      "permission",
      /the user 'bob' lacks a permission the crawl needs \(NOPERM/,
    );
    await works(`redis://:secret@${at}/0`, crawl);
    await works(`redis://alice:alicepw@${at}/0`, `${crawl}-alice`);
  },
  { ownServer: true },
);

redisTest(
  "RedisStore fails fast with RedisConfigError on a database index out of range, a password the server does not have, and a port that is not Redis",
  async ({ crawl }) => {
    await using server = await startRedisServer();
    const at = `127.0.0.1:${server.port}`;
    await refused(
      `redis://${at}/99`,
      crawl,
      "database",
      /database 99 does not exist \(ERR DB index is out of range\)/,
    );
    await refused(
      `redis://:pw@${at}/0`,
      crawl,
      "auth",
      /a password was given but the server has none set/,
    );
    await using http = serve(() => new Response("hello"));
    await refused(
      `redis://127.0.0.1:${http.port}/0`,
      crawl,
      "not-redis",
      new RegExp(
        `^Redis at 127\\.0\\.0\\.1:${http.port}: the server is not Redis: it answered like an HTTP server \\("HTTP/1\\.1 `,
      ),
    );
  },
  { ownServer: true },
);

redisTest(
  "RedisStore speaks TLS with rediss:// and the tls.ca option, and fails fast with RedisConfigError on TLS against a plain port, plain against a TLS port, or an unknown CA",
  async ({ crawl }) => {
    await using certs = await makeTestCerts();
    await using secure = await startRedisServer({ tls: certs });
    await using plain = await startRedisServer();
    const tlsAt = `127.0.0.1:${secure.port}`;
    const plainAt = `127.0.0.1:${plain.port}`;
    await works(`rediss://${tlsAt}/0`, crawl, { tls: { ca: certs.ca } });
    await works(`rediss://localhost:${secure.port}/0`, `${crawl}-byname`, {
      tls: { ca: [certs.ca] },
    });
    await refused(
      `rediss://${tlsAt}/0`,
      crawl,
      "certificate",
      /its TLS certificate does not verify .*give the CA that signed it/,
    );
    await refused(
      `rediss://${tlsAt}/0`,
      crawl,
      "certificate",
      /does not verify/,
      { tls: { ca: await Deno.readTextFile(certs.otherCaFile) } },
    );
    await refused(
      `redis://${tlsAt}/0`,
      crawl,
      "tls-expected",
      new RegExp(
        `^Redis at ${tlsAt}: the server speaks TLS: use rediss:// instead of redis://$`,
      ),
    );
    await refused(
      `rediss://${plainAt}/0`,
      crawl,
      "plain-expected",
      new RegExp(
        `^Redis at ${plainAt}: the server speaks plain Redis, not TLS: use redis:// instead of rediss://$`,
      ),
      { tls: { ca: certs.ca } },
    );
  },
  { ownServer: true },
);
