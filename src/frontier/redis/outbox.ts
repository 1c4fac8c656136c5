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
import { hostOf as hostOfUrl } from "../host_of.ts";
import { CrawlLostError } from "./errors.ts";
import { fingerprints } from "./fingerprint.ts";
import { ADOPT } from "./scripts.ts";
import {
  loadSlots,
  runIn,
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
  let slots;
  try {
    slots = await loadSlots(s, signal);
  } catch (err) {
    // No crawl yet: no outbox.
    if (err instanceof CrawlLostError) return [];
    throw err;
  }
  const raw = await Promise.all(slots.all.map((slot) =>
    s.conn.command(
      ["HVALS", `${slot.prefix}out:${s.worker}`],
      signal,
      slot.key,
    ) as Promise<string[]>
  ));
  return raw.flat().map((r) => JSON.parse(r) as CrawlResult);
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
  const slots = await loadSlots(s, signal);
  const calls: Promise<unknown>[] = [];
  for (const [slot, some] of slots.group(urls, hostOfUrl)) {
    const fps = fingerprints(some);
    const args: RedisArg[] = ["HDEL", `${slot.prefix}out:${s.worker}`];
    for (let i = 0; i < some.length; i++) {
      args.push(fps.subarray(i * 8, i * 8 + 8));
    }
    calls.push(s.conn.command(args, signal, slot.key));
  }
  await Promise.all(calls);
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
  const slots = await loadSlots(s, signal);
  const moved = await Promise.all(
    slots.all.map((slot) =>
      runIn(s, slot, ADOPT, [worker, s.worker], signal) as Promise<string[]>
    ),
  );
  const out: AdoptedOutput = {
    worker,
    results: moved.flat().map((r) => JSON.parse(r) as CrawlResult),
  };
  if (info.hostname !== undefined) out.hostname = info.hostname;
  if (info.output !== undefined) out.output = info.output;
  return out;
}
