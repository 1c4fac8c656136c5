// The Redis test servers' helper: a start that fails says why, and a server
// given no fixed port moves to another when its port is taken meanwhile.
import assert from "node:assert/strict";
import {
  freePort,
  hasRedisServer,
  redisRequired,
  RedisStartError,
  startRedisServer,
} from "./redis_server.ts";

// Skipped as redisTest() skips a test that needs its own server.
const ignore = !hasRedisServer() && !redisRequired;

Deno.test({
  name:
    "startRedisServer() on a port another socket holds rejects with the server's own reason",
  ignore,
  async fn() {
    const port = freePort();
    using _held = Deno.listen({ hostname: "127.0.0.1", port });
    await assert.rejects(
      () => startRedisServer({ port }),
      (err) => {
        assert.ok(err instanceof RedisStartError);
        assert.equal(err.exited, true);
        assert.match(
          err.message,
          new RegExp(`127\\.0\\.0\\.1:${port}: it exited`),
        );
        assert.match(err.message, /Address already in use/);
        return true;
      },
    );
  },
});

Deno.test({
  name:
    "startRedisServer() without a port picks another when the first one it picked is taken",
  ignore,
  async fn() {
    const taken = freePort();
    using _held = Deno.listen({ hostname: "127.0.0.1", port: taken });
    const picks: number[] = [];
    await using server = await startRedisServer({
      pickPort: () => {
        const port = picks.length === 0 ? taken : freePort();
        picks.push(port);
        return port;
      },
    });
    assert.equal(picks.length, 2);
    assert.equal(server.port, picks[1]);
    assert.notEqual(server.port, taken);
  },
});
