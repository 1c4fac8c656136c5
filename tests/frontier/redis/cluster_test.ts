/**
 * Shared crawls on a Redis Cluster (`redis+cluster://H:P,H:P,H:P`), three
 * masters on loopback ports: a crawl's hosts spread over its slots (16 by
 * default on a cluster), each host's keys in one hash slot, so the hosts
 * spread over the nodes and every script runs on one node; a host's slot
 * moved to another node while the processes were paused (the client
 * follows the `MOVED` redirection); the kill test (one of three processes
 * SIGKILLed: every page of three sites once); and the node holding the
 * crawl's own keys restarted midway (its append-only file keeps the data):
 * the processes pause and finish with every page once.
 */
import assert from "node:assert/strict";
import { delay } from "../../../src/concurrency/clock.ts";
import { CLUSTER_SLOTS } from "../../../src/frontier/redis/rules.ts";
import { slotPattern, Slots } from "../../../src/frontier/redis/slots.ts";
import {
  type GeneratedSite,
  serveGeneratedSite,
} from "../../_support/generated_site.ts";
import { startRedisCluster } from "../../_support/redis_cluster.ts";
import { redisTest } from "../../_support/redis_server.ts";
import { drain, proc, raw } from "./_processes.ts";
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

/** A key in the hash slot of a host of a crawl with `count` slots. */
function keyOfHost(crawl: string, host: string, count = CLUSTER_SLOTS): string {
  return slotPattern(crawl, new Slots(crawl, "", count).of(host).index)
    .slice(0, -1);
}

/** Three generated sites (three hosts), and what their union should give. */
function serveSites(pages: number) {
  const sites = [0, 1, 2].map(() => serveGeneratedSite({ pages }));
  const union: Pick<GeneratedSite, "expected" | "redirectTargets"> = {
    expected: new Map(sites.flatMap((s) => [...s.expected])),
    redirectTargets: new Map(sites.flatMap((s) => [...s.redirectTargets])),
  };
  return {
    seeds: sites.map((s) => s.seed),
    union,
    async [Symbol.asyncDispose]() {
      await Promise.all(sites.map((s) => s.close()));
    },
  };
}

/** The nodes holding keys matching `pattern`. */
async function nodesWith(ports: number[], pattern: string): Promise<number[]> {
  const out: number[] = [];
  for (const [i, port] of ports.entries()) {
    const keys = await new Deno.Command("redis-cli", {
      args: ["-p", String(port), "--scan", "--pattern", pattern],
      stdout: "piped",
    }).output();
    if (new TextDecoder().decode(keys.stdout).trim() !== "") out.push(i);
  }
  return out;
}

redisTest(
  "RedisStore on a Redis Cluster spreads a crawl's hosts over the nodes, each host's keys on the node of its slot, entered through any node",
  async ({ crawl }) => {
    await using cluster = await startRedisCluster();
    const home = await cluster.nodeOf(`trawl:{${crawl}}:meta`);
    // Hosts whose slots are on each of the three nodes (of 64 slots, some
    // are on every node).
    const count = 64;
    const byNode: string[][] = [[], [], []];
    for (let h = 0; byNode.some((l) => l.length < 2) && h < 2000; h++) {
      const host = `c${h}.test`;
      const node = await cluster.nodeOf(keyOfHost(crawl, host, count));
      if (byNode[node].length < 2) byNode[node].push(host);
    }
    const hosts = byNode.flat();
    assert.equal(hosts.length, 6, "two hosts on each node");
    // Enter through a node that does not hold the crawl's own keys.
    const other = cluster.ports[(home + 1) % 3];
    const url = `redis+cluster://127.0.0.1:${other}`;
    const links = (u: string) => {
      const i = Number(u.split("/").pop());
      return [2 * i + 1, 2 * i + 2].filter((c) => c < 60).map((c) =>
        `http://${hosts[c % hosts.length]}/${c}`
      );
    };
    const seeds = [`http://${hosts[0]}/0`];
    const store = { slots: count };
    const a = await proc(url, crawl, { seeds, store });
    const b = await proc(url, crawl, { seeds, store });
    try {
      const won = (await Promise.all([
        drain(a.frontier, links),
        drain(b.frontier, links),
      ])).flat();
      assert.equal(won.length, 60);
      assert.equal(new Set(won.map((r) => r.url)).size, 60);
      const st = await a.store.status();
      assert.equal(st.done, 60);
      assert.equal(st.finished, true);
      assert.equal(st.location, `${url} crawl ${crawl}`);
      for (const host of hosts) {
        const prefix = await a.store.prefixOf(host);
        const node = await cluster.nodeOf(prefix);
        assert.ok(byNode[node].includes(host), `${host} on node ${node}`);
        const r = await raw(`redis://127.0.0.1:${cluster.ports[node]}`);
        try {
          assert.ok(Number(await r.hGet(prefix + "hostdone", host)) > 0);
        } finally {
          await r.close();
        }
      }
    } finally {
      await a.close();
      await b.close();
    }
    assert.deepEqual(
      await nodesWith(cluster.ports, `trawl:{${crawl}}:*`),
      [home],
      "the crawl's own keys are on one node",
    );
    assert.deepEqual(
      await nodesWith(cluster.ports, `trawl:{${crawl}/*`),
      [0, 1, 2],
      "its hosts' keys on every node",
    );
  },
  { ownServer: true },
);

redisTest(
  "trawl --frontier redis+cluster:// yields every page of three sites exactly once across three processes when one is SIGKILLed midway",
  async ({ crawl }) => {
    await using cluster = await startRedisCluster();
    await using sites = serveSites(200);
    await using ws = await workspace();
    const args = [
      ...sharedCrawlArgs(cluster.url, crawl),
      "--lease",
      "1500",
      "--per-host",
      "8",
      "--rate",
      "150",
      ...sites.seeds,
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
    const problems = checkUnion(outputs, sites.union);
    assert.deepEqual(problems.slice(0, 20), [], problems.join("\n"));
    const r = await raw(
      `redis://127.0.0.1:${
        cluster.ports[await cluster.nodeOf(`trawl:{${crawl}}:meta`)]
      }`,
    );
    try {
      assert.equal(
        await r.hGet(`trawl:{${crawl}}:meta`, "slots"),
        String(CLUSTER_SLOTS),
        "a crawl on a cluster has 16 slots by default",
      );
    } finally {
      await r.close();
    }
  },
  { ownServer: true },
);

redisTest(
  "trawl --frontier redis+cluster:// rides out a restart of the node holding the crawl's own keys and finishes with every page of three sites once",
  async ({ crawl }) => {
    await using cluster = await startRedisCluster();
    await using sites = serveSites(200);
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
      ...sites.seeds,
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
    const problems = checkUnion(outputs, sites.union);
    assert.deepEqual(problems.slice(0, 20), [], problems.join("\n"));
  },
  { ownServer: true },
);

redisTest(
  "trawl --frontier redis+cluster:// follows a host's slot to another node (MOVED) when it moved while the processes were paused, and every page comes out once",
  async ({ crawl }) => {
    await using cluster = await startRedisCluster();
    await using site = serveGeneratedSite({ pages: 500 });
    await using ws = await workspace();
    const key = keyOfHost(crawl, new URL(site.seed).host);
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
