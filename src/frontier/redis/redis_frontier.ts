/**
 * A crawl's frontier in Redis, built by `RedisStore`: it joins the crawl,
 * claims ready URLs for this process's fetchers, commits their pages, keeps
 * its leases alive and gives the unfinished ones back when it closes.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { CrawlResult } from "../../crawler/result.ts";
import type { LogRecord } from "../../telemetry/log.ts";
import { AutoThrottle, type AutoThrottleRule } from "../auto_throttle.ts";
import { FingerprintSet } from "../fingerprint_set.ts";
import {
  HostThrottle,
  type ThrottleCause,
  timeoutFloor,
} from "../host_throttle.ts";
import type {
  CrawlFrontier,
  FrontierBatch,
  FrontierContext,
  FrontierEntry,
  HostAnswer,
  ReadyEntry,
  RobotsStore,
} from "../store.ts";
import { claimAcross, type SlotClaim } from "./claim_across.ts";
import { type Claimed, ClaimLoop } from "./claim_loop.ts";
import { decodeClaimed, limitArg } from "./codec.ts";
import { Commits, type SlotCounts } from "./commit.ts";
import type { RedisArg, Script } from "./connection.ts";
import { CrawlLostError, isRedisStoreError } from "./errors.ts";
import { Heartbeat, registerWorker } from "./heartbeat.ts";
import { initCrawl } from "./identity.ts";
import { HeldLeases } from "./leases.ts";
import { CLAIM, GIVE_BACK, RELEASE, TAKE_BACK_OWN } from "./lease_scripts.ts";
import { RedisRobotsStore } from "./robots_store.ts";
import { runIn, type StoreShared } from "./shared.ts";
import type { Slot } from "./slots.ts";
import { restoreStats } from "./status.ts";
import { AUTO_THROTTLE, LIMIT, RECOVER, THROTTLE } from "./throttle_scripts.ts";
import { SlotTokens } from "./tokens.ts";

/**
 * A crawl's frontier in Redis, built by `RedisStore`. See `CrawlFrontier`
 * for the contract.
 */
export class RedisFrontier implements CrawlFrontier {
  readonly #s: StoreShared;
  readonly #ctx: FrontierContext;
  readonly #seen = new FingerprintSet();
  readonly #leases = new HeldLeases();
  readonly #claims: ClaimLoop;
  readonly #commits: Commits;
  /** The tokens of this worker's commits and claims, by slot. */
  readonly #tokens = new SlotTokens();
  /**
   * Stopped only when the store closes, so the worker counts as alive while
   * its caller writes and acknowledges its last results.
   */
  readonly #heartbeat: Heartbeat;
  /** This process's view of the hosts' rates (the shared one is in Redis). */
  readonly #throttle: HostThrottle;
  readonly #robots: RedisRobotsStore;
  /** Auto-throttle's numbers, when it is on (applied in Redis). */
  readonly #auto?: AutoThrottleRule;
  /** Updates sent without waiting (throttles, limits, slot releases). */
  readonly #background = new Set<Promise<unknown>>();
  #shards = 0;
  /** Each slot's counts, as of the last round trip there. */
  readonly #counts: SlotCounts[] = [];
  /** The slot the next claim round starts from. */
  #turn = 0;
  #opened = false;
  #closed = false;

  /**
   * Creates the frontier; `open` connects it.
   *
   * @param shared The store's connection and identity.
   * @param context The crawl's limits, seeds and settings.
   */
  constructor(shared: StoreShared, context: FrontierContext) {
    this.#s = shared;
    this.#ctx = context;
    this.#claims = new ClaimLoop(
      (want, signal) => this.#claim(want, signal),
      shared.clock,
    );
    this.#commits = new Commits(shared, context, this.#tokens);
    this.#heartbeat = new Heartbeat(
      shared,
      this.#leases,
      (err) => this.#broken(err),
    );
    this.#throttle = new HostThrottle(context.perHostRate);
    if (context.autoThrottle) {
      // Never faster than the configured rate.
      this.#auto = new AutoThrottle(
        context.autoThrottle,
        Number.isFinite(context.perHostRate) ? 1000 / context.perHostRate : 0,
      ).rule;
    }
    this.#robots = new RedisRobotsStore(shared.conn, shared.prefix);
  }

  /** URLs accepted so far by every process (as of the last round trip). */
  get accepted(): number {
    let n = 0;
    for (const c of this.#counts) n += c?.accepted ?? 0;
    return n;
  }

  /** URLs queued in Redis (as of the last round trip) and claimed here. */
  get queued(): number {
    let n = this.#claims.buffered;
    for (const c of this.#counts) n += c?.pending ?? 0;
    return n;
  }

  /** The shared robots.txt records. */
  get robots(): RobotsStore {
    return this.#robots;
  }

  /**
   * Checks or creates the crawl's state, registers this worker and adds the
   * seeds.
   *
   * @param seeds The seeds' batch.
   * @param signal Aborts the opening.
   * @returns The seeds' settled results this process won.
   */
  async open(
    seeds: FrontierBatch,
    signal: AbortSignal,
  ): Promise<CrawlResult[]> {
    if (this.#opened) throw new Error("Cannot open a RedisFrontier twice");
    this.#opened = true;
    const s = this.#s;
    const ctx = this.#ctx;
    s.conn.onLog = (r: LogRecord) => ctx.onLog(r);
    this.#shards = await initCrawl(s, ctx, signal);
    await registerWorker(s, signal);
    await this.#heartbeat.beat(signal);
    const takeBack = [
      s.worker,
      String(ctx.perHostConcurrency),
      String(this.#shards),
    ];
    const backs = await Promise.all(
      s.slots!.all.map((slot) =>
        runIn(s, slot, TAKE_BACK_OWN, takeBack, signal) as Promise<number>
      ),
    );
    const back = backs.reduce((a, b) => a + b, 0);
    if (back > 0) {
      this.#log(
        "info",
        `returned ${back} URL(s) leased by this worker's last run to the frontier`,
      );
    }
    const counters = await restoreStats(s, ctx.stats, signal);
    counters.forEach((c, i) => this.#counts[i] = c);
    const won = await this.#commit(seeds, signal);
    this.#heartbeat.start();
    s.stopHeartbeat = () => this.#heartbeat.stop();
    // Fetchers may already wait in `next`: claiming starts only now, so no
    // claim can see an empty frontier before the seeds are in.
    this.#claims.start();
    return won;
  }

  /**
   * The next URL whose host is ready (across every process), or `undefined`
   * when nothing is queued or leased anywhere, or the frontier closed.
   *
   * @param signal Aborts the wait.
   * @returns The entry, holding its host's slot.
   */
  next(signal: AbortSignal): Promise<ReadyEntry | undefined> {
    return this.#claims.next(signal);
  }

  /**
   * Whether this process saw `url` accepted (a URL another process took may
   * answer `false`; the commit dedupes it).
   *
   * @param url A URL in normal form.
   * @returns `true` when known to be accepted.
   */
  has(url: string): boolean {
    return this.#seen.has(url);
  }

  /**
   * Whether the URL with this fingerprint was seen (see `has`).
   *
   * @param hi The fingerprint's high word (`fingerprint64`).
   * @param lo Its low word.
   * @returns `true` when seen.
   */
  hasFingerprint(hi: number, lo: number): boolean {
    return this.#seen.hasFingerprint(hi, lo);
  }

  /**
   * Commits a finished page with what it found, in one script: the page is
   * marked done (unless another process did it first), its lease dropped,
   * the found URLs deduped and queued within the budget, the settled ones
   * recorded, and the shared counters updated.
   *
   * @param batch The page and what it found.
   * @returns The results this process won.
   */
  commit(batch: FrontierBatch): Promise<CrawlResult[]> {
    return this.#commit(batch, undefined);
  }

  /**
   * Waits for this process's background updates (`throttle`, `limitHost`,
   * permit releases) to reach Redis; every commit is there when it resolves.
   */
  async flush(): Promise<void> {
    while (this.#background.size > 0) {
      await Promise.allSettled([...this.#background]);
    }
  }

  /**
   * Lowers a host's rate for every process (never above the configured
   * rate): the rule of `HostThrottle.limit`, applied in Redis by `LIMIT`.
   *
   * @param host The host.
   * @param rate Requests per second.
   */
  limitHost(host: string, rate: number): void {
    this.#throttle.limit(host, rate);
    this.#track(this.#runFor(host, LIMIT, [
      String(rate),
      limitArg(this.#ctx.perHostRate),
    ]));
  }

  /**
   * Backs off from a host for every process until `until` (this clock) and
   * halves its rate; a host already paused only has its pause extended. The
   * rule of `HostThrottle.throttle`, applied in Redis by `THROTTLE`.
   *
   * @param host The host.
   * @param until A clock reading.
   * @param now The current clock reading.
   * @param cause `"timeout"`: halve no lower than half the ceiling.
   * @returns The new rate when this call lowered it (as this process sees
   * it).
   */
  throttle(
    host: string,
    until: number,
    now: number,
    cause?: ThrottleCause,
  ): number | undefined {
    const floor = cause === "timeout"
      ? timeoutFloor(this.#throttle.ceilingOf(host))
      : 0;
    this.#track(this.#runFor(host, THROTTLE, [
      String(Math.max(0, Math.ceil(until - now))),
      limitArg(this.#ctx.perHostRate),
      String(this.#ctx.perHostConcurrency),
      String(floor),
    ]));
    const decision = this.#throttle.throttle(host, until, now, cause);
    return decision.action === "pause" ? decision.rate : undefined;
  }

  /**
   * Counts how a host answered: after a window of good answers the host's
   * shared rate climbs back one step (the rule of `HostThrottle.answered`,
   * applied in Redis by `RECOVER`); with auto-throttle, the answer's latency
   * adjusts the host's shared delay (the rule of `AutoThrottle.observe`,
   * applied in Redis by `AUTO_THROTTLE`).
   *
   * @param host The host.
   * @param answer Whether it answered well, its status and latency (ms).
   * @param now The current clock reading.
   * @returns The new rate when this process raised it.
   */
  answered(host: string, answer: HostAnswer, now: number): number | undefined {
    const auto = this.#auto;
    if (auto !== undefined) {
      this.#track(this.#runFor(host, AUTO_THROTTLE, [
        String(answer.ms),
        String(answer.status),
        String(auto.targetConcurrency),
        String(auto.startDelayMs),
        String(auto.minDelayMs),
        String(auto.maxDelayMs),
      ]));
    }
    const rate = this.#throttle.answered(host, answer.good, now);
    if (rate === undefined) return undefined;
    const ceiling = limitArg(this.#throttle.ceilingOf(host));
    this.#track(this.#runFor(host, RECOVER, [ceiling]));
    return rate;
  }

  /**
   * Stops handing out URLs, gives this process's unfinished leases back to
   * the frontier and drops its commit tokens. The worker stays registered
   * and its heartbeat goes on until the store closes.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#claims.close();
    const down = isRedisStoreError(this.#claims.failure);
    // Redis is gone: no heartbeat to keep up until the store closes.
    if (down) await this.#heartbeat.stop();
    await this.flush();
    if (!this.#opened || down) return;
    const s = this.#s;
    try {
      if (this.#leases.size > 0) {
        const giveBack = (slot: Slot, fps: Uint8Array) =>
          runIn(s, slot, GIVE_BACK, [
            s.worker,
            String(this.#ctx.perHostConcurrency),
            String(this.#shards),
            fps as Buffer,
          ]) as Promise<number>;
        const backs = await Promise.all(
          this.#leases.takeAll().map((l) => giveBack(l.slot, l.fingerprints)),
        );
        const back = backs.reduce((a, b) => a + b, 0);
        if (back > 0) {
          this.#log(
            "info",
            `gave ${back} unfinished URL(s) back to the frontier`,
          );
        }
      }
      // The worker is marked stopped by `RedisStore.close`, once its caller
      // has written and acknowledged its last results: a stopped worker's
      // outbox may be adopted at once.
      await this.#commits.close();
    } catch (err) {
      this.#log(
        "warn",
        `could not give leases back: ${(err as Error).message}`,
      );
    }
  }

  /**
   * After Redis went away, or lost the crawl, under a commit or the
   * heartbeat: nothing more is handed out, and a lost crawl's worker is
   * not marked stopped (that would write into a crawl that is gone).
   */
  #broken(err: unknown): void {
    if (!isRedisStoreError(err)) return;
    this.#claims.fail(err);
    if (err instanceof CrawlLostError) this.#s.registered = false;
  }

  #log(level: "info" | "warn" | "error", message: string): void {
    this.#ctx.onLog({ level, message, time: Date.now() });
  }

  /** Runs a script of a host in the host's slot. */
  #runFor(host: string, script: Script, args: RedisArg[]): Promise<unknown> {
    const s = this.#s;
    return runIn(s, s.slots!.of(host), script, [host, ...args]);
  }

  #track(p: Promise<unknown>): void {
    const tracked = p.catch((err) => {
      // Redis away or the crawl lost: the claims and commits fail with it.
      if (this.#closed || isRedisStoreError(err)) return;
      this.#log("warn", `Redis update failed: ${(err as Error).message}`);
    }).finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }

  async #commit(
    batch: FrontierBatch,
    signal: AbortSignal | undefined,
  ): Promise<CrawlResult[]> {
    if (!this.#opened) {
      throw new Error("Cannot commit to a RedisFrontier before open");
    }
    let outcome;
    try {
      outcome = await this.#commits.commit(batch, this.#shards, signal);
    } catch (err) {
      this.#broken(err);
      throw err;
    }
    for (const [slot, c] of outcome.counts) this.#counts[slot.index] = c;
    for (const e of batch.found) this.#seen.add(e.url);
    for (const r of batch.settled) this.#seen.add(r.url);
    if (batch.page) this.#leases.drop(batch.page.entry.url);
    if (batch.found.length > 0 || batch.page) this.#claims.kick();
    return outcome.won;
  }

  /** One claim round (see `CLAIM`): one round trip with one slot. */
  async #claim(want: number, signal: AbortSignal): Promise<Claimed> {
    const slots = this.#s.slots!;
    if (slots.count === 1) {
      const r = await this.#claimIn(slots.home, want, signal);
      return {
        entries: r.entries,
        progress: r.entries.length > 0 || r.reclaimed > 0,
        over: r.pending === 0 && r.leased === 0,
        hint: r.hint,
      };
    }
    const start = this.#turn++ % slots.count;
    return await claimAcross(
      slots,
      want,
      (slot, n, sig) => this.#claimIn(slot, n, sig),
      (slot) => (this.#counts[slot.index]?.pending ?? 0) > 0,
      start,
      signal,
    );
  }

  /** Claims up to `want` entries in one slot (see `CLAIM`). */
  async #claimIn(
    slot: Slot,
    want: number,
    signal: AbortSignal,
  ): Promise<SlotClaim> {
    const s = this.#s;
    const ctx = this.#ctx;
    const tokens = this.#tokens.of(slot);
    const token = tokens.next();
    const received = tokens.take();
    let reply: (number | string)[];
    try {
      reply = await runIn(s, slot, CLAIM, [
        s.worker,
        String(want),
        String(ctx.perHostConcurrency),
        Number.isFinite(ctx.perHostRate) ? String(1000 / ctx.perHostRate) : "0",
        String(s.leaseMs),
        String(this.#shards),
        token,
        received.join(","),
        String(this.#auto?.startDelayMs ?? -1),
      ], signal) as (number | string)[];
    } catch (err) {
      tokens.settle(token, received, false);
      this.#broken(err);
      throw err;
    }
    tokens.settle(token, received, true);
    const [pending, leased, hint, reclaimed, accepted, version] = reply
      .slice(0, 6).map(Number);
    this.#counts[slot.index] = { pending, accepted };
    if (reclaimed > 0) {
      this.#log(
        "info",
        `returned ${reclaimed} URL(s) with expired leases to the frontier`,
      );
    }
    const entries = (reply.slice(6) as string[]).map((raw) =>
      this.#ready(decodeClaimed(raw), slot)
    );
    return { entries, pending, leased, hint, reclaimed, version };
  }

  /** A claimed entry, leased here, with the permit that frees its slot. */
  #ready(entry: FrontierEntry, slot: Slot): ReadyEntry {
    const fp = this.#leases.hold(entry.url, slot);
    let released = false;
    const release = () => {
      if (released || this.#closed) return;
      released = true;
      // Committed already: the commit freed the slot with the lease (the
      // crawler releases after its commit, so this saves a script a page).
      if (!this.#leases.holds(fp)) return;
      const s = this.#s;
      this.#track(
        runIn(s, slot, RELEASE, [
          s.worker,
          String(this.#ctx.perHostConcurrency),
          fp,
        ]).then(() => this.#claims.kick()),
      );
    };
    return { ...entry, permit: { release } };
  }
}
