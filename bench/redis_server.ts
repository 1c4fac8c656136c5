// Helpers of the Redis benches (`shared_bench.ts`, `capacity_bench.ts`,
// `redis_memory_bench.ts`): a free port and a private redis-server.

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A private redis-server started by {@linkcode startRedis}. */
export interface BenchRedis {
  /** `redis://127.0.0.1:PORT/0`. */
  url: string;
  /** Its port. */
  port: number;
  /** Its process id (for its CPU time). */
  pid: number;
  /** Stops it and waits for its exit. */
  stop(): Promise<void>;
}

/**
 * Starts a private redis-server (no persistence) on a free port and waits
 * until it accepts connections.
 */
export async function startRedis(): Promise<BenchRedis> {
  const port = freePort();
  const child = new Deno.Command("redis-server", {
    args: [
      "--bind",
      "127.0.0.1",
      "--port",
      String(port),
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
  };
  for (let i = 0; i < 200; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return { url: `redis://127.0.0.1:${port}/0`, port, pid: child.pid, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  await stop();
  throw new Error(`redis-server did not start on 127.0.0.1:${port}`);
}
