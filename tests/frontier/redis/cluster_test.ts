/**
 * Shared crawls on a Redis Cluster (`redis+cluster://H:P,H:P,H:P`), three
 * masters on loopback ports: a crawl's keys share one hash slot, so every
 * script runs on one node; the slot moved to another node while the
 * processes were paused (the client follows the `MOVED` redirection); the
 * kill
 * test (one of three processes SIGKILLed: every page once); and the node
 * holding the crawl restarted midway (its append-only file keeps the data):
 * the processes pause and finish with every page once.
 */
import assert from "node:assert/strict";
import { delay } from "../../../src/concurrency/clock.ts";
import { serveGeneratedSite } from "../../_support/generated_site.ts";
import { startRedisCluster } from "../../_support/redis_cluster.ts";
import { redisTest } from "../../_support/redis_server.ts";
import { drain, proc } from "./_processes.ts";
import {
  checkUnion,
  type Cli,
  completeLines,
  parseOutput,
  sharedCrawlArgs,
  startAll,
  until,
  workspace,
} from "./_shared_cli.ts";

redisTest(
  "RedisStore on a Redis Cluster keeps a crawl's keys on the node of its slot, entered through any node",
  async ({ crawl }) => {
    await using cluster = await startRedisCluster();
    const home = await cluster.nodeOf(`trawl:{${crawl}}:meta`);
    // Enter through a node that does not hold the crawl.
    const other = cluster.ports[(home + 1) % 3];
    const url = `redis+cluster://127.0.0.1:${other}`;
    const links = (u: string) => {
      const i = Number(u.split("/").pop());
      return [2 * i + 1, 2 * i + 2].filter((c) => c < 30).map((c) =>
        `http://c${c % 3}.test/${c}`
      );
    };
    const a = await proc(url, crawl, { seeds: ["http://c0.test/0"] });
    const b = await proc(url, crawl, { seeds: ["http://c0.test/0"] });
    try {
      const won = (await Promise.all([
        drain(a.frontier, links),
        drain(b.frontier, links),
      ])).flat();
      assert.equal(won.length, 30);
      assert.equal(new Set(won.map((r) => r.url)).size, 30);
      const st = await a.store.status();
      assert.equal(st.done, 30);
      assert.equal(st.finished, true);
      assert.equal(st.location, `${url} crawl ${crawl}`);
    } finally {
      await a.close();
      await b.close();
    }
    for (const [i, port] of cluster.ports.entries()) {
      const keys = await new Deno.Command("redis-cli", {
        args: ["-p", String(port), "--scan", "--pattern", `trawl:{${crawl}}*`],
        stdout: "piped",
      }).output();
      const n = new TextDecoder().decode(keys.stdout).trim().split("\n")
        .filter(Boolean).length;
      if (i === home) assert.ok(n > 5, `the crawl's node holds ${n} keys`);
      else assert.equal(n, 0, `node ${port} holds none of the crawl's keys`);
    }
  },
  { ownServer: true },
);

redisTest(
  "trawl --frontier redis+cluster:// yields every page exactly once across three processes when one is SIGKILLed midway",
  async ({ crawl }) => {
    await using cluster = await startRedisCluster();
    await using site = serveGeneratedSite({ pages: 500 });
    await using ws = await workspace();
    const args = [
      ...sharedCrawlArgs(cluster.url, crawl),
      "--lease",
      "1500",
      "--per-host",
      "8",
      "--rate",
      "150",
      site.seed,
    ];
    await using clis = startAll(3, () => args, ws);
    let victim: Cli | undefined;
    await until(() => {
      const lines = clis.map((c) => completeLines(c.out));
      if (lines.every((n) => n >= 1) && Math.max(...lines) >= 40) {
        victim = clis[lines.indexOf(Math.max(...lines))];
      }
      return victim !== undefined || clis.some((c) => c.exited);
    }, "for every process to write results");
    assert.ok(victim, "a process exited before all three wrote results");
    await delay(50);
    victim.child.kill("SIGKILL");
    assert.equal((await victim.output).signal, "SIGKILL");
    const survivors = clis.filter((c) => c !== victim);
    for (const exit of await Promise.all(survivors.map((c) => c.output))) {
      assert.equal(exit.code, 0, exit.text);
    }
    const outputs = await Promise.all(clis.map((c) => parseOutput(c.out)));
    const problems = checkUnion(outputs, site);
    assert.deepEqual(problems.slice(0, 20), [], problems.join("\n"));
  },
  { ownServer: true },
);

redisTest(
  "trawl --frontier redis+cluster:// rides out a restart of the node holding the crawl and finishes with every page once",
  async ({ crawl }) => {
    await using cluster = await startRedisCluster();
    await using site = serveGeneratedSite({ pages: 500 });
    await using ws = await workspace();
    const home = await cluster.nodeOf(`trawl:{${crawl}}:meta`);
    const args = [
      ...sharedCrawlArgs(cluster.url, crawl),
      "--redis-timeout",
      "20000",
      "--per-host",
      "8",
      "--rate",
      "150",
      site.seed,
    ];
    await using clis = startAll(2, () => args, ws);
    await until(
      () =>
        clis.every((c) => completeLines(c.out) >= 20) ||
        clis.some((c) => c.exited),
      "for every process to write results",
    );
    await cluster.restart(home, 1_000);
    const exits = await Promise.all(clis.map((c) => c.output));
    for (const exit of exits) {
      assert.equal(exit.code, 0, exit.text);
      assert.match(exit.text, /is unreachable .*: pausing and retrying/);
    }
    const outputs = await Promise.all(clis.map((c) => parseOutput(c.out)));
    const problems = checkUnion(outputs, site);
    assert.deepEqual(problems.slice(0, 20), [], problems.join("\n"));
  },
  { ownServer: true },
);

redisTest(
  "trawl --frontier redis+cluster:// follows the crawl's slot to another node (MOVED) when it moved while the processes were paused, and every page comes out once",
  async ({ crawl }) => {
    await using cluster = await startRedisCluster();
    await using site = serveGeneratedSite({ pages: 500 });
    await using ws = await workspace();
    const key = `trawl:{${crawl}}:meta`;
    const home = await cluster.nodeOf(key);
    const args = [
      ...sharedCrawlArgs(cluster.url, crawl),
      "--redis-timeout",
      "20000",
      "--per-host",
      "8",
      "--rate",
      "150",
      site.seed,
    ];
    await using clis = startAll(2, () => args, ws);
    await until(
      () =>
        clis.every((c) => completeLines(c.out) >= 20) ||
        clis.some((c) => c.exited),
      "for every process to write results",
    );
    // Resharding moves keys one batch at a time, and a script cannot run on
    // a slot half moved: the processes are paused meanwhile. Resumed, they
    // send to the old node and are redirected.
    for (const c of clis) c.child.kill("SIGSTOP");
    let moved;
    try {
      moved = await cluster.moveSlot(key, (home + 1) % 3);
    } finally {
      for (const c of clis) c.child.kill("SIGCONT");
    }
    assert.ok(moved > 5, `${moved} keys moved`);
    assert.equal(await cluster.nodeOf(key), (home + 1) % 3);
    const exits = await Promise.all(clis.map((c) => c.output));
    for (const exit of exits) assert.equal(exit.code, 0, exit.text);
    const outputs = await Promise.all(clis.map((c) => parseOutput(c.out)));
    const problems = checkUnion(outputs, site);
    assert.deepEqual(problems.slice(0, 20), [], problems.join("\n"));
  },
  { ownServer: true },
);
