/**
 * A worker's outbox: with `outbox: true` each result a worker wins waits in
 * Redis (`out:WORKER`, fingerprint → result JSON) until the worker says it
 * was written, so a crash between the commit and the write loses nothing; a
 * survivor adopts the outbox of a worker that died.
 *
 * @module
 */
import type { CrawlResult } from "../../crawler/result.ts";
import type { RedisArg } from "./connection.ts";
import { redisTime } from "./codec.ts";
import { fingerprints } from "./fingerprint.ts";
import { ADOPT } from "./scripts.ts";
import {
  loadCrawlId,
  scriptArgs,
  type StoreShared,
  type WorkerRegistration,
} from "./shared.ts";

/** What `RedisStore.adopt` took over. */
export interface AdoptedOutput {
  /** The dead worker. */
  worker: string;
  /** The machine it ran on, if registered. */
  hostname?: string;
  /** Its output path, if registered. */
  output?: string;
  /**
   * Its unacknowledged results, now in this worker's outbox: some may be in
   * its output already (written but not acknowledged).
   */
  results: CrawlResult[];
}

/**
 * This worker's results committed but not yet acknowledged.
 *
 * @param s The store's shared state.
 * @param signal Aborts the call.
 * @returns The results, in no particular order.
 */
export async function unacknowledged(
  s: StoreShared,
  signal?: AbortSignal,
): Promise<CrawlResult[]> {
  const raw = await s.conn.command(
    ["HVALS", `${s.prefix}out:${s.worker}`],
    signal,
  ) as string[];
  return raw.map((r) => JSON.parse(r) as CrawlResult);
}

/**
 * Drops results of this worker from its outbox (they were written).
 * Idempotent.
 *
 * @param s The store's shared state.
 * @param urls The results' `url`s.
 * @param signal Aborts the call.
 */
export async function acknowledge(
  s: StoreShared,
  urls: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  if (urls.length === 0) return;
  const fps = fingerprints(urls);
  const args: RedisArg[] = ["HDEL", `${s.prefix}out:${s.worker}`];
  for (let i = 0; i < urls.length; i++) {
    args.push(fps.subarray(i * 8, i * 8 + 8));
  }
  await s.conn.command(args, signal);
}

/**
 * Moves the outbox of a dead worker into this worker's. Refused while the
 * worker's heartbeat is younger than its lease and it has not stopped.
 *
 * @param s The store's shared state.
 * @param worker The dead worker's id.
 * @param signal Aborts the call.
 * @returns Its results and where it wrote.
 * @throws {TypeError} When `worker` is this worker.
 * @throws {Error} When the worker is alive.
 */
export async function adopt(
  s: StoreShared,
  worker: string,
  signal?: AbortSignal,
): Promise<AdoptedOutput> {
  if (worker === s.worker) {
    throw new TypeError(
      `Cannot adopt the outbox of worker '${worker}' as it is this worker`,
    );
  }
  const P = s.prefix;
  const [reg, beat, t] = await Promise.all([
    s.conn.command(["HGET", P + "workers", worker], signal),
    s.conn.command(["ZSCORE", P + "beats", worker], signal),
    s.conn.command(["TIME"], signal),
  ]);
  const info: Partial<WorkerRegistration> = reg
    ? JSON.parse(reg as string)
    : {};
  const age = redisTime(t) - Number(beat);
  if (
    beat != null && age < (info.leaseMs ?? s.leaseMs) &&
    info.stoppedAt === undefined
  ) {
    throw new Error(
      `Cannot adopt the outbox of worker '${worker}' as it is alive (heartbeat ${age} ms ago)`,
    );
  }
  await loadCrawlId(s, signal);
  const moved = await s.conn.run(
    ADOPT,
    scriptArgs(s, worker, s.worker),
    signal,
  ) as string[];
  const out: AdoptedOutput = {
    worker,
    results: moved.map((r) => JSON.parse(r) as CrawlResult),
  };
  if (info.hostname !== undefined) out.hostname = info.hostname;
  if (info.output !== undefined) out.output = info.output;
  return out;
}
