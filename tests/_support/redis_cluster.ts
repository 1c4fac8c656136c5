/**
 * Test helper: a Redis Cluster of three masters on loopback ports, each a
 * private `redis-server --cluster-enabled yes` with an append-only file
 * (`appendfsync always`), joined with `redis-cli --cluster create`. A node
 * can be restarted on its port and keeps its data and its slots.
 *
 * @module
 */
import { join } from "node:path";
import { createClient } from "redis";
import { type RedisServer, startRedisServer } from "./redis_server.ts";

/** A running cluster; disposing of it stops every node. */
export interface RedisCluster extends AsyncDisposable {
  /** `redis+cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3`. */
  readonly url: string;
  /** The nodes' ports. */
  readonly ports: number[];
  /**
   * The index of the node that serves `key`'s slot.
   *
   * @param key A key.
   */
  nodeOf(key: string): Promise<number>;
  /**
   * Stops node `i` (SIGTERM: it writes its append-only file) and starts it
   * again on its port, `downMs` later.
   *
   * @param i The node.
   * @param downMs How long it stays down.
   */
  restart(i: number, downMs: number): Promise<void>;
  /**
   * Moves the slot of `key`, with its keys, to node `to`, as a resharding
   * does: the slot is marked migrating and importing, its keys are moved a
   * few at a time with MIGRATE (clients meanwhile get ASK redirections, and
   * TRYAGAIN for commands on keys of both sides), then every node is told
   * the new owner (clients then get MOVED).
   *
   * @param key A key of the slot.
   * @param to The node to move it to.
   * @param pauseMs A pause between two batches of keys.
   * @returns How many keys moved.
   */
  moveSlot(key: string, to: number, pauseMs?: number): Promise<number>;
}

/** Whether `redis-cli` is on `PATH`. */
export function hasRedisCli(): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      if (Deno.statSync(`${dir}/redis-cli`).isFile) return true;
    } catch {
      // not here
    }
  }
  return false;
}

async function cli(...args: string[]): Promise<string> {
  const out = await new Deno.Command("redis-cli", {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) +
    new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`redis-cli ${args.join(" ")}: ${text}`);
  return text;
}

/**
 * A port whose cluster bus port (10000 higher) is free too. Both lie below
 * 32768, where Linux's ephemeral ports start, so no outgoing connection of
 * another test takes one between this check and the node's start.
 */
function clusterPort(taken: Set<number>): number {
  for (let i = 0; i < 100; i++) {
    const port = 12000 + Math.floor(Math.random() * 10000);
    if (taken.has(port)) continue;
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      Deno.listen({ hostname: "127.0.0.1", port: port + 10000 }).close();
      taken.add(port);
      return port;
    } catch {
      // in use: another one
    }
  }
  throw new Error("no free port pair for a cluster node");
}

/** Waits until every node says `cluster_state:ok`. */
async function clusterOk(ports: number[]): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const states = await Promise.all(
      ports.map((p) => cli("-p", String(p), "cluster", "info")),
    );
    if (states.every((s) => s.includes("cluster_state:ok"))) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("the cluster did not become ready");
}

/**
 * Starts three cluster nodes and joins them (no replicas).
 *
 * @returns The cluster.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const root = await Deno.makeTempDir({ prefix: "trawl_cluster_" });
  const taken = new Set<number>();
  const ports: number[] = [];
  const nodes: (RedisServer | undefined)[] = [];
  // A node starts on a fresh port pair (another one if its port was taken
  // meanwhile), and on the same port when restarted: the cluster knows it.
  const start = async (i: number) => {
    const dir = join(root, `node${i}`);
    await Deno.mkdir(dir, { recursive: true });
    const node = nodes[i] = await startRedisServer({
      port: ports[i],
      pickPort: () => clusterPort(taken),
      dir,
      args: [
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        join(dir, "nodes.conf"),
        "--cluster-node-timeout",
        "5000",
      ],
    });
    ports[i] = node.port;
  };
  const stop = async () => {
    await Promise.all(nodes.map((n) => n?.stop()));
    await Deno.remove(root, { recursive: true });
  };
  try {
    await Promise.all([0, 1, 2].map(start));
    await cli(
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    );
    await clusterOk(ports);
  } catch (err) {
    await stop();
    throw err;
  }
  async function nodeOf(key: string): Promise<number> {
    const slot = Number(
      (await cli("-p", String(ports[0]), "cluster", "keyslot", key)).trim(),
    );
    const shards = await cli("-p", String(ports[0]), "cluster", "slots");
    // Lines: from, to, host, port, id, … per range.
    const lines = shards.trim().split("\n");
    for (let i = 0; i + 3 < lines.length; i++) {
      const from = Number(lines[i]), to = Number(lines[i + 1]);
      if (lines[i + 2] === "127.0.0.1" && slot >= from && slot <= to) {
        return ports.indexOf(Number(lines[i + 3]));
      }
    }
    throw new Error(`no node serves slot ${slot}`);
  }
  return {
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(",")}`,
    ports,
    nodeOf,
    async moveSlot(key, to, pauseMs = 20) {
      const clients = await Promise.all(ports.map(async (p) => {
        const c = createClient({ url: `redis://127.0.0.1:${p}` });
        c.on("error", () => {});
        return await c.connect();
      }));
      try {
        const cmd = (i: number, ...args: string[]) =>
          clients[i].sendCommand(args) as Promise<unknown>;
        const slot = String(await cmd(0, "CLUSTER", "KEYSLOT", key));
        const from = await nodeOf(key);
        if (from === to) return 0;
        const ids = await Promise.all(
          ports.map((_, i) => cmd(i, "CLUSTER", "MYID")),
        ) as string[];
        await cmd(to, "CLUSTER", "SETSLOT", slot, "IMPORTING", ids[from]);
        await cmd(from, "CLUSTER", "SETSLOT", slot, "MIGRATING", ids[to]);
        let moved = 0;
        for (;;) {
          const keys = await cmd(
            from,
            "CLUSTER",
            "GETKEYSINSLOT",
            slot,
            "4",
          ) as string[];
          if (keys.length === 0) break;
          await cmd(
            from,
            "MIGRATE",
            "127.0.0.1",
            String(ports[to]),
            "",
            "0",
            "5000",
            "KEYS",
            ...keys,
          );
          moved += keys.length;
          await new Promise((r) => setTimeout(r, pauseMs));
        }
        for (const i of [to, from, ...ports.keys()]) {
          await cmd(i, "CLUSTER", "SETSLOT", slot, "NODE", ids[to]);
        }
        return moved;
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
    },
    async restart(i, downMs) {
      await nodes[i]?.stop();
      nodes[i] = undefined;
      await new Promise((r) => setTimeout(r, downMs));
      await start(i);
      await clusterOk(ports);
    },
    [Symbol.asyncDispose]: stop,
  };
}
