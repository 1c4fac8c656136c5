/**
 * A worker's liveness in a shared crawl: its registration, the heartbeat
 * that renews its leases every third of a lease, and the mark that it
 * stopped. A worker whose heartbeat is older than its lease is dead: its
 * leases go back to the frontier and its outbox may be adopted.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { HeldLeases } from "./leases.ts";
import { RENEW } from "./lease_scripts.ts";
import { runIn, type StoreShared } from "./shared.ts";

/**
 * Registers the worker in the crawl's `workers` hash.
 *
 * @param s The store's shared state.
 * @param signal Aborts the call.
 */
export async function registerWorker(
  s: StoreShared,
  signal: AbortSignal,
): Promise<void> {
  await s.conn.command(
    ["HSET", s.prefix + "workers", s.worker, JSON.stringify(s.registration)],
    signal,
  );
  s.registered = true;
}

/**
 * Marks the worker stopped (its results written), unless Redis is
 * unreachable: then its stopped heartbeat makes it dead after a lease.
 *
 * @param s The store's shared state.
 */
export async function markStopped(s: StoreShared): Promise<void> {
  if (!s.registered || s.conn.down) return;
  s.registered = false;
  try {
    await s.conn.command([
      "HSET",
      s.prefix + "workers",
      s.worker,
      JSON.stringify({ ...s.registration, stoppedAt: Date.now() }),
    ]);
  } catch {
    // Redis is gone: the worker's heartbeat stops; it counts as dead after
    // a lease.
  }
}

/** Renews the worker's heartbeat and leases until stopped. */
export class Heartbeat {
  readonly #s: StoreShared;
  readonly #leases: HeldLeases;
  readonly #onFail: (err: unknown) => void;
  readonly #stop = new AbortController();
  #loop?: Promise<void>;

  /**
   * Creates the heartbeat; `start` starts it.
   *
   * @param s The store's shared state.
   * @param leases The leases to renew (those Redis lost are forgotten).
   * @param onFail Receives the error that stopped it (Redis unreachable).
   */
  constructor(
    s: StoreShared,
    leases: HeldLeases,
    onFail: (err: unknown) => void,
  ) {
    this.#s = s;
    this.#leases = leases;
    this.#onFail = onFail;
  }

  /**
   * Records the worker alive now, renewing no lease.
   *
   * @param signal Aborts the call.
   */
  async beat(signal: AbortSignal): Promise<void> {
    const s = this.#s;
    await runIn(
      s,
      s.slots!.home,
      RENEW,
      [s.worker, String(s.leaseMs), ""],
      signal,
    );
  }

  /** Starts beating every third of a lease. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops the heartbeat and waits for its last renewal. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const s = this.#s;
    const every = Math.max(10, Math.floor(s.leaseMs / 3));
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        await s.clock.sleep(every, signal);
      } catch {
        return;
      }
      try {
        await this.#renew(signal);
      } catch (err) {
        if (signal.aborted) return;
        this.#onFail(err);
        return;
      }
    }
  }

  /**
   * Records the worker alive (in slot 0) and renews its leases in every
   * slot that holds some.
   */
  async #renew(signal: AbortSignal): Promise<void> {
    const s = this.#s;
    const home = s.slots!.home;
    const held = this.#leases.snapshot();
    if (!held.some((l) => l.slot === home)) {
      held.push({ slot: home, keys: [], fingerprints: Buffer.alloc(0) });
    }
    await Promise.all(held.map(async ({ slot, keys, fingerprints }) => {
      const flags = await runIn(s, slot, RENEW, [
        s.worker,
        String(s.leaseMs),
        fingerprints,
        slot === home ? "1" : "0",
      ], signal) as string;
      this.#leases.keep(keys, flags);
    }));
  }
}
