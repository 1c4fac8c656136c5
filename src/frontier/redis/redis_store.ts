/**
 * The Redis frontier store: many crawler processes (on one machine or many)
 * share one crawl through a Redis server.
 *
 * Every process started with the same crawl name shares the frontier, the
 * dedupe set, the robots.txt cache, the per-host politeness state and the
 * stats. Work is leased, not popped: a process that dies loses nothing, its
 * URLs go back to the frontier when their leases expire. Each URL's result is
 * emitted by one process only: its done mark is set in the same Lua script
 * that decides which process won it.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { hostname as osHostname } from "node:os";
import process from "node:process";
import { type Clock, systemClock } from "../../concurrency/clock.ts";
import type { CrawlResult } from "../../crawler/result.ts";
import { FingerprintSet } from "../fingerprint_set.ts";
import type {
  CrawlFrontier,
  FrontierBatch,
  FrontierContext,
  FrontierEntry,
  FrontierStore,
  ReadyEntry,
  RobotsRecord,
  RobotsStore,
} from "../store.ts";
import type { LogRecord } from "../../telemetry/log.ts";
import { StateMismatchError } from "../state_errors.ts";
import { compareIdentity } from "../state_identity.ts";
import type { CrawlStatus, HostStatus, ProcessStatus } from "../status.ts";
import {
  type RedisArg,
  type RedisCommandClient,
  RedisConnection,
  RedisUnavailableError,
  script,
} from "./connection.ts";
import { fingerprints } from "./fingerprint.ts";
import * as lua from "./scripts.ts";

export { type RedisArg, type RedisCommandClient, RedisUnavailableError };

const INIT = script(lua.INIT);
const COMMIT = script(lua.COMMIT);
const CLAIM = script(lua.CLAIM);
const RELEASE = script(lua.RELEASE);
const RENEW = script(lua.RENEW);
const GIVE_BACK = script(lua.GIVE_BACK);
const THROTTLE = script(lua.THROTTLE);
const LIMIT = script(lua.LIMIT);
const ADOPT = script(lua.ADOPT);

/** Entries claimed per round trip, at most. */
const MAX_CLAIM = 32;
/** The longest wait between two claims while others may add work, ms. */
const MAX_POLL_MS = 100;
/** The first wait when every host with work is busy, ms. */
const MIN_POLL_MS = 2;
/** Hosts listed by `status()`, at most. */
const STATUS_HOSTS = 1000;
/** Stores made in this process, for default worker ids. */
let storesMade = 0;

/** Options of {@linkcode RedisStore}. */
export interface RedisStoreOptions {
  /** The server, `redis://HOST:PORT/DB`. */
  url: string;
  /**
   * The crawl's name: processes with the same name share one crawl. Keys
   * are prefixed `trawl:{NAME}:`. Letters, digits, `.`, `_` and `-`.
   */
  crawl: string;
  /**
   * How long a lease lasts without a heartbeat, ms: a dead process's URLs go
   * back to the frontier this long after its last heartbeat (sent every
   * third of it).
   *
   * @default {30000}
   */
  leaseMs?: number;
  /**
   * How long Redis may be unreachable before calls fail with a
   * {@linkcode RedisUnavailableError}, ms. Until then calls pause and retry.
   *
   * @default {60000}
   */
  redisTimeoutMs?: number;
  /**
   * Paces the polls, heartbeats and retries. Leases and rate limits use
   * Redis's own clock, shared by every process.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * A connected client (e.g. `createClient` of the `redis` package) to use
   * instead of connecting to `url`; it is left open.
   */
  client?: RedisCommandClient;
  /**
   * This process's id among the crawl's workers: its leases, outbox and
   * counters. Restarting with the same id picks up its outbox.
   *
   * @default {`${hostname}/${pid}` (`.N` added for the Nth store of a process)}
   */
  worker?: string;
  /** Where this worker writes its results, shown by `status()`. */
  output?: string;
  /**
   * Keeps every result this worker won in Redis until
   * {@linkcode RedisStore.acknowledge} says it was written, so a crash
   * between the commit and the write loses nothing.
   *
   * @default {false}
   */
  outbox?: boolean;
  /**
   * Hashes of the dedupe set (a power of two up to 65536). Fixed when the
   * crawl is created.
   *
   * @default {the page budget / 40 rounded up to a power of two (at least 16), or 16384 without a budget}
   */
  shards?: number;
}

/** A worker of a shared crawl, as {@linkcode RedisStore.status} shows it. */
export interface RedisProcessStatus extends ProcessStatus {
  /** When it joined (epoch ms). */
  startedAt: number;
  /** When it closed its frontier (epoch ms), if it did. */
  stoppedAt?: number;
  /** Where it writes its results. */
  output?: string;
  /** Results in its outbox, not yet acknowledged as written. */
  unacknowledged: number;
}

/** A host of a shared crawl, as {@linkcode RedisStore.status} shows it. */
export interface RedisHostStatus extends HostStatus {
  /** URLs leased to processes now (counted in `pending` too). */
  leased: number;
  /** Its lowered rate (requests per second), if lowered. */
  rate?: number;
  /** Paused until (Redis time, epoch ms), if paused now. */
  pausedUntil?: number;
}

/** The shared progress of a crawl in Redis. */
export interface RedisCrawlStatus extends CrawlStatus {
  /** The crawl's name. */
  crawl: string;
  /** Whether the crawl exists in Redis. */
  exists: boolean;
  /** When it was created (Redis time, epoch ms). */
  createdAt?: number;
  /** URLs leased to processes now (counted in `pending` too). */
  leased: number;
  /** Body bytes read. */
  bytes: number;
  /** Retries made (attempts beyond the first). */
  retries: number;
  /** Nothing queued and nothing leased. */
  finished: boolean;
  /** Hosts with work or results (most pending first, at most 1000). */
  hosts: RedisHostStatus[];
  /** The processes that joined. */
  processes: RedisProcessStatus[];
  /** Redis time (epoch ms) of the snapshot. */
  now: number;
}

/** What {@linkcode RedisStore.adopt} took over. */
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

/** Options of calls that may wait on Redis. */
export interface RedisCallOptions {
  /** Aborts the call (and its retries). */
  signal?: AbortSignal;
}

interface Shared {
  conn: RedisConnection;
  prefix: string;
  crawl: string;
  worker: string;
  leaseMs: number;
  clock: Clock;
  outbox: boolean;
  shards?: number;
  registration: WorkerRegistration;
  /** Set when a frontier registered this worker (cleared when stopped). */
  registered?: boolean;
  /** Stops the registered frontier's heartbeat. */
  stopHeartbeat?: () => Promise<void>;
}

interface WorkerRegistration {
  id: string;
  hostname: string;
  pid: number;
  startedAt: number;
  stoppedAt?: number;
  output?: string;
  /** The worker's own lease: it is dead when its heartbeat is older. */
  leaseMs?: number;
}

/**
 * A {@linkcode FrontierStore} in Redis, shared by every process opened with
 * the same crawl name.
 *
 * - Dedupe: 64-bit URL fingerprints in small sharded hashes (about 13 bytes
 *   per URL); full entries are kept only while queued.
 * - Politeness across processes: a per-host lease count and token bucket,
 *   changed atomically by the claim script on Redis's clock; `throttle` and
 *   `limitHost` apply to every process.
 * - Leases: URLs handed out are leased to the process and renewed by its
 *   heartbeat; when it dies they go back to their queue after `leaseMs`.
 * - Exactly once: a commit marks the page done and decides its winner in
 *   one script; with `outbox`, the won results wait in Redis until
 *   {@linkcode RedisStore.acknowledge}.
 * - Outages: calls pause and retry while Redis is unreachable, then fail
 *   with {@linkcode RedisUnavailableError} after `redisTimeoutMs`.
 *
 * Close the store (it owns its connection) after the crawl.
 *
 * @example Share a crawl between processes
 * ```ts ignore
 * import { Crawler } from "@trawl/trawl";
 * import { RedisStore } from "@trawl/trawl/redis";
 *
 * await using store = new RedisStore({
 *   url: "redis://127.0.0.1:6379/0",
 *   crawl: "docs",
 * });
 * const crawler = new Crawler({ seeds: ["https://example.com/"], store });
 * for await (const result of crawler.run()) console.log(result.url);
 * console.log(await store.status());
 * ```
 */
export class RedisStore implements FrontierStore, AsyncDisposable {
  readonly #shared: Shared;

  /**
   * Creates the store; it connects on first use.
   *
   * @param options The server, the crawl's name and the lease timing.
   */
  constructor(options: RedisStoreOptions) {
    const {
      url,
      crawl,
      leaseMs = 30_000,
      redisTimeoutMs = 60_000,
      clock = systemClock,
      client,
      outbox = false,
      shards,
    } = options ?? {};
    if (typeof url !== "string" || !/^rediss?:\/\//.test(url)) {
      throw new TypeError(
        `Cannot create RedisStore as 'url' must be a redis:// URL: current value is ${url}`,
      );
    }
    if (typeof crawl !== "string" || !/^[A-Za-z0-9._-]{1,100}$/.test(crawl)) {
      throw new TypeError(
        `Cannot create RedisStore as 'crawl' must be 1 to 100 letters, digits, '.', '_' or '-': current value is ${crawl}`,
      );
    }
    if (!Number.isFinite(leaseMs) || leaseMs < 100) {
      throw new RangeError(
        `Cannot create RedisStore as 'leaseMs' must be a number of at least 100: current value is ${leaseMs}`,
      );
    }
    if (!(redisTimeoutMs >= 0)) {
      throw new RangeError(
        `Cannot create RedisStore as 'redisTimeoutMs' must be a non-negative number: current value is ${redisTimeoutMs}`,
      );
    }
    if (
      shards !== undefined &&
      !(Number.isInteger(shards) && shards >= 1 && shards <= 65536 &&
        (shards & (shards - 1)) === 0)
    ) {
      throw new RangeError(
        `Cannot create RedisStore as 'shards' must be a power of two up to 65536: current value is ${shards}`,
      );
    }
    const host = localHostname();
    const n = ++storesMade;
    const worker = options.worker ??
      `${host}/${process.pid}${n > 1 ? `.${n}` : ""}`;
    if (typeof worker !== "string" || !/^[^\s,]{1,200}$/.test(worker)) {
      throw new TypeError(
        `Cannot create RedisStore as 'worker' must be 1 to 200 characters without spaces or commas: current value is ${worker}`,
      );
    }
    this.#shared = {
      conn: new RedisConnection({
        url,
        client,
        timeoutMs: redisTimeoutMs,
        clock,
      }),
      prefix: `trawl:{${crawl}}:`,
      crawl,
      worker,
      leaseMs,
      clock,
      outbox,
      shards,
      registration: {
        id: worker,
        hostname: host,
        pid: process.pid,
        startedAt: Date.now(),
        leaseMs,
        ...(options.output !== undefined ? { output: options.output } : {}),
      },
    };
  }

  /** The crawl's name. */
  get crawl(): string {
    return this.#shared.crawl;
  }

  /** This process's worker id. */
  get worker(): string {
    return this.#shared.worker;
  }

  /** The crawl's key prefix, `trawl:{NAME}:`. */
  get prefix(): string {
    return this.#shared.prefix;
  }

  /**
   * Builds the crawl's frontier (opened by the crawler).
   *
   * @param context The crawl's limits, seeds and settings.
   * @returns The frontier.
   */
  createFrontier(context: FrontierContext): RedisFrontier {
    return new RedisFrontier(this.#shared, context);
  }

  /**
   * The crawl's shared progress: totals, per host and per worker.
   *
   * @param options Aborts the call.
   * @returns A snapshot.
   */
  async status(options: RedisCallOptions = {}): Promise<RedisCrawlStatus> {
    const { conn, prefix: P, crawl, leaseMs } = this.#shared;
    const signal = options.signal;
    const cmd = (...args: RedisArg[]) => conn.command(args, signal);
    const [
      meta,
      counters,
      stats,
      hostdone,
      hostfailed,
      hostz,
      leases,
      regs,
      beats,
      t,
    ] = await Promise.all([
      cmd("HGETALL", P + "meta"),
      cmd("HGETALL", P + "c"),
      cmd("HGETALL", P + "stats"),
      cmd("HGETALL", P + "hostdone"),
      cmd("HGETALL", P + "hostfailed"),
      cmd("ZRANGE", P + "hosts", "0", String(STATUS_HOSTS - 1)),
      cmd("HVALS", P + "lease"),
      cmd("HGETALL", P + "workers"),
      cmd("ZRANGE", P + "beats", "0", "-1", "WITHSCORES"),
      cmd("TIME"),
    ]);
    const now = redisTime(t);
    const m = pairs(meta);
    const c = pairs(counters);
    const s = pairs(stats);
    const leasedBy = new Map<string, number>();
    const leasedOn = new Map<string, number>();
    for (const raw of leases as string[]) {
      const rec = JSON.parse(raw) as { o: string; h: string };
      leasedBy.set(rec.o, (leasedBy.get(rec.o) ?? 0) + 1);
      leasedOn.set(rec.h, (leasedOn.get(rec.h) ?? 0) + 1);
    }
    const doneOn = pairs(hostdone);
    const failedOn = pairs(hostfailed);
    const hostNames = new Set<string>(hostz as string[]);
    for (const h of leasedOn.keys()) hostNames.add(h);
    const byDone = Object.entries(doneOn).sort((a, b) => +b[1] - +a[1]);
    for (const [h] of byDone) {
      if (hostNames.size >= STATUS_HOSTS) break;
      hostNames.add(h);
    }
    const hostList = [...hostNames];
    const hostInfo = await Promise.all(
      hostList.map((h) =>
        Promise.all([
          cmd("LLEN", P + "q:" + h),
          cmd("HMGET", P + "h:" + h, "r", "pu"),
        ])
      ),
    );
    const hosts: RedisHostStatus[] = hostList.map((host, i) => {
      const [len, [r, pu]] = hostInfo[i] as [number, (string | null)[]];
      const leased = leasedOn.get(host) ?? 0;
      const out: RedisHostStatus = {
        host,
        done: Number(doneOn[host] ?? 0),
        pending: Number(len) + leased,
        failed: Number(failedOn[host] ?? 0),
        leased,
      };
      if (r != null) out.rate = Number(r);
      if (pu != null && Number(pu) > now) out.pausedUntil = Number(pu);
      return out;
    });
    hosts.sort((a, b) =>
      b.pending - a.pending || b.done - a.done ||
      (a.host < b.host ? -1 : a.host > b.host ? 1 : 0)
    );
    const beatOf = pairs(beats);
    const workers = pairs(regs);
    const unacked = await Promise.all(
      Object.keys(workers).map((id) => cmd("HLEN", P + "out:" + id)),
    );
    const processes: RedisProcessStatus[] = Object.entries(workers).map(
      ([id, raw], i) => {
        const reg = JSON.parse(raw) as WorkerRegistration;
        const beat = beatOf[id] !== undefined ? Number(beatOf[id]) : 0;
        const w: RedisProcessStatus = {
          id,
          hostname: reg.hostname,
          pid: reg.pid,
          done: Number(s["w:" + id] ?? 0),
          leased: leasedBy.get(id) ?? 0,
          lastSeen: beat,
          alive: reg.stoppedAt === undefined &&
            now - beat < (reg.leaseMs ?? leaseMs),
          startedAt: reg.startedAt,
          unacknowledged: Number(unacked[i]),
        };
        if (reg.stoppedAt !== undefined) w.stoppedAt = reg.stoppedAt;
        if (reg.output !== undefined) w.output = reg.output;
        return w;
      },
    );
    const pick = (pre: string) => {
      const out: Record<string, number> = {};
      for (const [k, v] of Object.entries(s)) {
        if (k.startsWith(pre)) out[k.slice(pre.length)] = Number(v);
      }
      return out;
    };
    const queued = Number(c.pending ?? 0);
    const leased = (leases as string[]).length;
    const exists = m.shards !== undefined;
    return {
      location: `${conn.url} crawl ${crawl}`,
      crawl,
      exists,
      seeds: m.seeds ? JSON.parse(m.seeds) : [],
      ...(m.created ? { createdAt: Number(m.created) } : {}),
      accepted: Number(c.accepted ?? 0) + Number(c.settled ?? 0),
      done: Number(s.done ?? 0),
      pending: queued + leased,
      leased,
      byStatusClass: pick("c:"),
      errors: pick("e:"),
      skipped: pick("k:"),
      bytes: Number(s.bytes ?? 0),
      retries: Number(s.retries ?? 0),
      finished: exists && queued === 0 && leased === 0,
      hosts,
      processes,
      now,
    };
  }

  /**
   * This worker's results committed but not yet acknowledged (with
   * `outbox`): after a crash, the ones missing from its output are to be
   * written, then acknowledged.
   *
   * @param options Aborts the call.
   * @returns The results, in no particular order.
   */
  async unacknowledged(options: RedisCallOptions = {}): Promise<CrawlResult[]> {
    const { conn, prefix, worker } = this.#shared;
    const raw = await conn.command(
      ["HVALS", `${prefix}out:${worker}`],
      options.signal,
    ) as string[];
    return raw.map((r) => JSON.parse(r) as CrawlResult);
  }

  /**
   * Says that results of this worker were written to its output: they leave
   * its outbox. Idempotent.
   *
   * @param urls The results' `url`s.
   * @param options Aborts the call.
   */
  async acknowledge(
    urls: readonly string[],
    options: RedisCallOptions = {},
  ): Promise<void> {
    if (urls.length === 0) return;
    const { conn, prefix, worker } = this.#shared;
    const fps = fingerprints(urls);
    const args: RedisArg[] = ["HDEL", `${prefix}out:${worker}`];
    for (let i = 0; i < urls.length; i++) {
      args.push(fps.subarray(i * 8, i * 8 + 8));
    }
    await conn.command(args, options.signal);
  }

  /**
   * Takes over the outbox of a worker that died and will not come back: its
   * unacknowledged results move to this worker's outbox. Refused while the
   * worker's heartbeat is younger than a lease.
   *
   * @param worker The dead worker's id.
   * @param options Aborts the call.
   * @returns Its results and where it wrote, for reconciling with its
   * output.
   */
  async adopt(
    worker: string,
    options: RedisCallOptions = {},
  ): Promise<AdoptedOutput> {
    const { conn, prefix: P, leaseMs } = this.#shared;
    const signal = options.signal;
    if (worker === this.#shared.worker) {
      throw new TypeError(
        `Cannot adopt the outbox of worker '${worker}' as it is this worker`,
      );
    }
    const [reg, beat, t] = await Promise.all([
      conn.command(["HGET", P + "workers", worker], signal),
      conn.command(["ZSCORE", P + "beats", worker], signal),
      conn.command(["TIME"], signal),
    ]);
    const info = reg ? JSON.parse(reg as string) as WorkerRegistration : {};
    const lease = (info as WorkerRegistration).leaseMs ?? leaseMs;
    if (
      beat != null && redisTime(t) - Number(beat) < lease &&
      (info as WorkerRegistration).stoppedAt === undefined
    ) {
      throw new Error(
        `Cannot adopt the outbox of worker '${worker}' as it is alive (heartbeat ${
          redisTime(t) - Number(beat)
        } ms ago)`,
      );
    }
    const moved = await conn.run(
      ADOPT,
      [P, worker, this.#shared.worker],
      signal,
    ) as string[];
    const out: AdoptedOutput = {
      worker,
      results: moved.map((r) => JSON.parse(r) as CrawlResult),
    };
    const r = info as Partial<WorkerRegistration>;
    if (r.hostname !== undefined) out.hostname = r.hostname;
    if (r.output !== undefined) out.output = r.output;
    return out;
  }

  /**
   * Deletes the crawl's keys (every process's state).
   *
   * @param options Aborts the call.
   * @returns How many keys were deleted.
   */
  drop(options: RedisCallOptions = {}): Promise<number> {
    return dropKeys(this.#shared, options.signal);
  }

  /**
   * Stops this worker's heartbeat, marks it stopped (its results written:
   * call it after the last `acknowledge`; until then the worker counts as
   * alive and its outbox is not adopted) and closes the connection (a given
   * client is left open). Close every store you open.
   */
  async close(): Promise<void> {
    const s = this.#shared;
    await s.stopHeartbeat?.();
    s.stopHeartbeat = undefined;
    // With Redis unreachable the mark is skipped: the worker's heartbeat
    // has stopped, so it counts as dead after a lease.
    if (s.registered && !s.conn.down) {
      s.registered = false;
      try {
        await s.conn.command([
          "HSET",
          s.prefix + "workers",
          s.worker,
          JSON.stringify({ ...s.registration, stoppedAt: Date.now() }),
        ]);
      } catch {
        // Redis is gone: the worker's heartbeat stops; it counts as dead
        // after a lease.
      }
    }
    await s.conn.close();
  }

  /** Closes the connection. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

interface Waiter {
  resolve: (entry: ReadyEntry | undefined) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal;
  onAbort: () => void;
}

/**
 * A crawl's frontier in Redis, built by {@linkcode RedisStore}. See
 * `CrawlFrontier` for the contract.
 */
export class RedisFrontier implements CrawlFrontier {
  readonly #s: Shared;
  readonly #ctx: FrontierContext;
  readonly #seen = new FingerprintSet();
  /** Leases this process holds: fingerprint key → fingerprint bytes. */
  readonly #held = new Map<string, Buffer>();
  readonly #buffer: ReadyEntry[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #background = new Set<Promise<unknown>>();
  readonly #stop = new AbortController();
  /**
   * Stops the heartbeat: only when the store closes, so the worker counts as
   * alive while its caller writes and acknowledges its last results.
   */
  readonly #stopBeat = new AbortController();
  readonly #rates = new Map<string, number>();
  readonly #pausedUntil = new Map<string, number>();
  readonly #tokens: string[] = [];
  readonly #robots: RedisRobotsStore;
  #shards = 0;
  #accepted = 0;
  #pending = 0;
  #opened = false;
  /** Set when `open` has taken the seeds: claiming may start. */
  #started = false;
  #closed = false;
  #finished = false;
  #failure: unknown;
  #pump?: Promise<void>;
  #heartbeat?: Promise<void>;
  #wake?: AbortController;

  /**
   * Creates the frontier; `open` connects it.
   *
   * @param shared The store's connection and identity.
   * @param context The crawl's limits, seeds and settings.
   */
  constructor(shared: Shared, context: FrontierContext) {
    this.#s = shared;
    this.#ctx = context;
    this.#robots = new RedisRobotsStore(shared.conn, shared.prefix);
  }

  /** URLs accepted so far by every process (as of the last round trip). */
  get accepted(): number {
    return this.#accepted;
  }

  /** URLs queued in Redis (as of the last round trip) and claimed here. */
  get queued(): number {
    return this.#pending + this.#buffer.length;
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
    if (ctx.mode === "fresh") await dropKeys(s, signal);
    const seedList = [...new Set(ctx.seeds)].sort();
    const settings = canonical(ctx.settings);
    const [storedSeeds, storedSettings, shards, , created] = await s.conn.run(
      INIT,
      [
        s.prefix,
        JSON.stringify(seedList),
        settings,
        String(s.shards ?? defaultShards(ctx.maxAccepted)),
      ],
      signal,
    ) as [string, string, string, string, number];
    if (ctx.mode === "auto" && created !== 1) {
      const differences = compareIdentity(
        JSON.parse(storedSeeds),
        JSON.parse(storedSettings),
        seedList,
        JSON.parse(settings),
      );
      if (differences.length > 0) {
        throw new StateMismatchError(
          `${s.conn.url} crawl ${s.crawl}`,
          differences,
        );
      }
    }
    this.#shards = Number(shards);
    await s.conn.command(
      [
        "HSET",
        s.prefix + "workers",
        s.worker,
        JSON.stringify(s.registration),
      ],
      signal,
    );
    s.registered = true;
    await s.conn.run(
      RENEW,
      [s.prefix, s.worker, String(s.leaseMs), ""],
      signal,
    );
    await this.#restoreStats(signal);
    const won = await this.#commit(seeds, signal);
    this.#heartbeat = this.#beat();
    s.stopHeartbeat = async () => {
      this.#stopBeat.abort();
      await this.#heartbeat;
    };
    // Fetchers may already wait in `next`: claiming starts only now, so no
    // claim can see an empty frontier before the seeds are in.
    this.#started = true;
    this.#kick();
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
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const ready = this.#buffer.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#finished || this.#closed) return Promise.resolve(undefined);
    return new Promise<ReadyEntry | undefined>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener("abort", waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#kick();
    });
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
   * rate).
   *
   * @param host The host.
   * @param rate Requests per second.
   */
  limitHost(host: string, rate: number): void {
    const current = this.#rates.get(host) ?? this.#ctx.perHostRate;
    if (rate < current) this.#rates.set(host, rate);
    this.#track(
      this.#s.conn.run(LIMIT, [
        this.#s.prefix,
        host,
        String(rate),
        this.#defaultRate(),
      ]),
    );
  }

  /**
   * Backs off from a host for every process until `until` (this clock) and
   * halves its rate; a host already paused only has its pause extended.
   *
   * @param host The host.
   * @param until A clock reading.
   * @param now The current clock reading.
   * @returns The new rate when this call lowered it (as this process sees
   * it).
   */
  throttle(host: string, until: number, now: number): number | undefined {
    this.#track(
      this.#s.conn.run(THROTTLE, [
        this.#s.prefix,
        host,
        String(Math.max(0, Math.ceil(until - now))),
        this.#defaultRate(),
        String(this.#ctx.perHostConcurrency),
      ]),
    );
    const paused = this.#pausedUntil.get(host) ?? -Infinity;
    if (paused > now) {
      if (until > paused) this.#pausedUntil.set(host, until);
      return undefined;
    }
    if (this.#pausedUntil.size >= 10_000) {
      for (const [h, t] of this.#pausedUntil) {
        if (t <= now) this.#pausedUntil.delete(h);
      }
    }
    this.#pausedUntil.set(host, until);
    const current = this.#rates.get(host) ?? this.#ctx.perHostRate;
    const rate = Number.isFinite(current) ? Math.max(current / 2, 0.1) : 4;
    this.#rates.set(host, rate);
    return rate;
  }

  /**
   * Stops handing out URLs, gives this process's unfinished leases back to
   * the frontier and marks the worker stopped. The store's connection stays
   * open (close the store).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    for (const w of this.#waiters.splice(0)) {
      w.signal.removeEventListener("abort", w.onAbort);
      w.resolve(undefined);
    }
    await this.#pump;
    if (this.#failure instanceof RedisUnavailableError) {
      // Redis is gone: no heartbeat to keep up until the store closes.
      this.#stopBeat.abort();
      await this.#heartbeat;
    }
    while (this.#background.size > 0) {
      await Promise.allSettled([...this.#background]);
    }
    this.#buffer.length = 0;
    if (!this.#opened) return;
    const s = this.#s;
    try {
      if (
        this.#held.size > 0 && !(this.#failure instanceof RedisUnavailableError)
      ) {
        const back = await s.conn.run(GIVE_BACK, [
          s.prefix,
          s.worker,
          String(this.#ctx.perHostConcurrency),
          String(this.#shards),
          Buffer.concat([...this.#held.values()]),
        ]) as number;
        this.#held.clear();
        if (back > 0) {
          this.#log(
            "info",
            `gave ${back} unfinished URL(s) back to the frontier`,
          );
        }
      }
      if (!(this.#failure instanceof RedisUnavailableError)) {
        // The worker is marked stopped by `RedisStore.close`, once its
        // caller has written and acknowledged its last results: a stopped
        // worker's outbox may be adopted at once.
        const tokens = this.#tokens.splice(0);
        const ops: Promise<unknown>[] = [];
        if (tokens.length > 0) {
          ops.push(
            s.conn.command(["HDEL", `${s.prefix}w:${s.worker}:tok`, ...tokens]),
          );
        }
        await Promise.all(ops);
      }
    } catch (err) {
      this.#log(
        "warn",
        `could not give leases back: ${(err as Error).message}`,
      );
    }
  }

  // ---- internals ----

  #defaultRate(): string {
    const r = this.#ctx.perHostRate;
    return Number.isFinite(r) ? String(r) : "-1";
  }

  #log(level: "info" | "warn" | "error", message: string): void {
    this.#ctx.onLog({ level, message, time: Date.now() });
  }

  #track(p: Promise<unknown>): void {
    const tracked = p.catch((err) => {
      if (this.#closed && !(err instanceof RedisUnavailableError)) return;
      this.#log("warn", `Redis update failed: ${(err as Error).message}`);
    }).finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }

  async #restoreStats(signal: AbortSignal): Promise<void> {
    const s = this.#s;
    const [raw, counters] = await Promise.all([
      s.conn.command(["HGETALL", s.prefix + "stats"], signal),
      s.conn.command([
        "HMGET",
        s.prefix + "c",
        "accepted",
        "settled",
        "pending",
      ], signal),
    ]);
    const stats = pairs(raw);
    const [acc, settled, pending] = (counters as (string | null)[]).map(Number);
    this.#accepted = (acc || 0) + (settled || 0);
    this.#pending = pending || 0;
    const st = this.#ctx.stats;
    st.accepted = this.#accepted;
    st.done = Number(stats.done ?? 0);
    st.errors = Number(stats.errors ?? 0);
    st.bytes = Number(stats.bytes ?? 0);
    st.retries = Number(stats.retries ?? 0);
    for (const [k, v] of Object.entries(stats)) {
      if (k.startsWith("c:")) st.byStatusClass[k.slice(2)] = Number(v);
      else if (k.startsWith("k:")) {
        (st.skipped as Record<string, number>)[k.slice(2)] = Number(v);
      }
    }
  }

  async #commit(
    batch: FrontierBatch,
    signal: AbortSignal | undefined,
  ): Promise<CrawlResult[]> {
    if (!this.#opened) {
      throw new Error("Cannot commit to a RedisFrontier before open");
    }
    const s = this.#s;
    const page = batch.page;
    const urls: string[] = [];
    if (page) urls.push(page.entry.url);
    for (const e of batch.found) urls.push(e.url);
    for (const r of batch.settled) urls.push(r.url);
    const fps = fingerprints(urls);
    const token = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
    const received = this.#tokens.splice(0, 256);
    const args: RedisArg[] = [
      s.prefix,
      s.worker,
      token,
      received.join(","),
      String(this.#shards),
      Number.isFinite(this.#ctx.maxAccepted)
        ? String(this.#ctx.maxAccepted)
        : "-1",
      String(this.#ctx.perHostConcurrency),
      s.outbox ? "1" : "0",
      fps,
      page ? "1" : "0",
      String(batch.found.length),
      String(batch.settled.length),
    ];
    if (page) {
      args.push(
        JSON.stringify(page.result),
        page.entry.host,
        statLine(page.result),
      );
    }
    for (const e of batch.found) args.push(e.host, encodeEntry(e));
    for (const r of batch.settled) {
      args.push(JSON.stringify(r), hostOf(r.url), statLine(r));
    }
    let reply: string;
    try {
      reply = await s.conn.run(COMMIT, args, signal) as string;
    } catch (err) {
      // The tokens were not dropped: send them again next time.
      this.#tokens.push(...received);
      throw err;
    }
    this.#tokens.push(token);
    const [flags, accepted, pending] = reply.split(";");
    this.#accepted = Number(accepted);
    this.#pending = Number(pending);
    for (const e of batch.found) this.#seen.add(e.url);
    for (const r of batch.settled) this.#seen.add(r.url);
    const out: CrawlResult[] = [];
    let i = 0;
    if (page) {
      this.#held.delete(fps.subarray(0, 8).toString("latin1"));
      if (flags[i++] === "1") out.push(page.result);
    }
    for (const r of batch.settled) if (flags[i++] === "1") out.push(r);
    if (batch.found.length > 0 || page) this.#kick();
    return out;
  }

  #kick(): void {
    if (this.#closed || !this.#started || this.#waiters.length === 0) return;
    if (!this.#pump) {
      this.#pump = this.#run().finally(() => {
        this.#pump = undefined;
        // A waiter may have come while the loop was ending.
        if (this.#waiters.length > 0 && !this.#closed && !this.#finished) {
          this.#kick();
        }
      });
    } else {
      this.#wake?.abort();
    }
  }

  #fail(err: unknown): void {
    if (this.#failure === undefined) this.#failure = err;
    for (const w of this.#waiters.splice(0)) {
      w.signal.removeEventListener("abort", w.onAbort);
      w.reject(err);
    }
  }

  #deliver(entry: ReadyEntry | undefined): boolean {
    const w = this.#waiters.shift();
    if (!w) return false;
    w.signal.removeEventListener("abort", w.onAbort);
    w.resolve(entry);
    return true;
  }

  async #run(): Promise<void> {
    const s = this.#s;
    const ctx = this.#ctx;
    const interval = Number.isFinite(ctx.perHostRate)
      ? String(1000 / ctx.perHostRate)
      : "0";
    let idle = 0;
    try {
      while (this.#waiters.length > 0 && !this.#closed) {
        const want = Math.min(this.#waiters.length, MAX_CLAIM);
        const reply = await s.conn.run(
          CLAIM,
          [
            s.prefix,
            s.worker,
            String(want),
            String(ctx.perHostConcurrency),
            interval,
            String(s.leaseMs),
            String(this.#shards),
          ],
          this.#stop.signal,
        ) as (number | string)[];
        const [pending, leased, hint, reclaimed, accepted] = reply.slice(0, 5)
          .map(Number);
        this.#pending = pending;
        this.#accepted = accepted;
        if (reclaimed > 0) {
          this.#log(
            "info",
            `returned ${reclaimed} URL(s) with expired leases to the frontier`,
          );
        }
        const entries = reply.slice(5) as string[];
        for (const raw of entries) {
          const entry = this.#ready(raw);
          if (!this.#deliver(entry)) this.#buffer.push(entry);
        }
        if (entries.length > 0 || reclaimed > 0) {
          idle = 0;
          continue;
        }
        if (pending === 0 && leased === 0) {
          this.#finished = true;
          while (this.#deliver(undefined));
          return;
        }
        const backoff = Math.min(MIN_POLL_MS * 2 ** idle++, MAX_POLL_MS);
        const wait = hint >= 0
          ? Math.min(Math.max(hint, 1), MAX_POLL_MS)
          : backoff;
        const wake = new AbortController();
        this.#wake = wake;
        try {
          await s.clock.sleep(
            wait,
            AbortSignal.any([this.#stop.signal, wake.signal]),
          );
        } catch {
          // Woken up, or closed (checked by the loop).
        } finally {
          this.#wake = undefined;
        }
      }
    } catch (err) {
      if (this.#closed) return;
      this.#fail(err);
    }
  }

  #ready(raw: string): ReadyEntry {
    const nl = raw.indexOf("\n");
    const host = raw.slice(0, nl);
    const e = JSON.parse(raw.slice(nl + 1)) as {
      u: string;
      d: number;
      r?: string;
      p?: string;
    };
    const fp = fingerprints([e.u]);
    const key = fp.toString("latin1");
    this.#held.set(key, fp);
    let released = false;
    const entry: ReadyEntry = {
      url: e.u,
      host,
      depth: e.d,
      permit: {
        release: () => {
          if (released || this.#closed) return;
          released = true;
          const s = this.#s;
          this.#track(
            s.conn.run(RELEASE, [
              s.prefix,
              s.worker,
              String(this.#ctx.perHostConcurrency),
              fp,
            ]).then(() => this.#kick()),
          );
        },
      },
    };
    if (e.r !== undefined) entry.referrer = e.r;
    if (e.p !== undefined) entry.parentSpanId = e.p;
    return entry;
  }

  async #beat(): Promise<void> {
    const s = this.#s;
    const every = Math.max(10, Math.floor(s.leaseMs / 3));
    const signal = this.#stopBeat.signal;
    while (!signal.aborted) {
      try {
        await s.clock.sleep(every, signal);
      } catch {
        return;
      }
      const keys = [...this.#held.keys()];
      try {
        const flags = await s.conn.run(
          RENEW,
          [
            s.prefix,
            s.worker,
            String(s.leaseMs),
            Buffer.concat(keys.map((k) => this.#held.get(k)!)),
          ],
          signal,
        ) as string;
        for (let i = 0; i < keys.length; i++) {
          if (flags[i] === "0") this.#held.delete(keys[i]);
        }
      } catch (err) {
        if (signal.aborted) return;
        this.#fail(err);
        return;
      }
    }
  }
}

/** robots.txt records in a Redis hash, shared by every process. */
class RedisRobotsStore implements RobotsStore {
  readonly #conn: RedisConnection;
  readonly #key: string;

  constructor(conn: RedisConnection, prefix: string) {
    this.#conn = conn;
    this.#key = prefix + "robots";
  }

  async load(origin: string): Promise<RobotsRecord | undefined> {
    const raw = await this.#conn.command(["HGET", this.#key, origin]);
    return typeof raw === "string"
      ? JSON.parse(raw) as RobotsRecord
      : undefined;
  }

  async save(record: RobotsRecord): Promise<void> {
    await this.#conn.command([
      "HSET",
      this.#key,
      record.origin,
      JSON.stringify(record),
    ]);
  }
}

// ---- helpers ----

function localHostname(): string {
  try {
    return osHostname();
  } catch {
    return "unknown-host";
  }
}

function defaultShards(maxAccepted: number): number {
  if (!Number.isFinite(maxAccepted)) return 16384;
  let shards = 16;
  while (shards < 65536 && shards * 40 < maxAccepted) shards *= 2;
  return shards;
}

/** A queued entry's JSON, without its host (the queue's key). */
function encodeEntry(e: FrontierEntry): string {
  const o: { u: string; d: number; r?: string; p?: string } = {
    u: e.url,
    d: e.depth,
  };
  if (e.referrer !== undefined) o.r = e.referrer;
  if (e.parentSpanId !== undefined) o.p = e.parentSpanId;
  return JSON.stringify(o);
}

/** `class|skipped|error name|bytes|retries` for the shared counters. */
function statLine(r: CrawlResult): string {
  const cls = r.status > 0 ? `${Math.floor(r.status / 100)}xx` : "";
  const err = r.error ? r.error.name.replace(/[|\s]/g, "_") : "";
  return `${cls}|${r.skipped ?? ""}|${err}|${Math.max(0, r.bytes | 0)}|${
    Math.max(0, (r.attempts | 0) - 1)
  }`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}

/** What differs between a stored crawl and this run, one line each. */
/** JSON with object keys sorted, so equal settings compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(
          Object.keys(v).sort().map((
            k,
          ) => [k, (v as Record<string, unknown>)[k]]),
        )
        : v,
  );
}

/** A flat `[k, v, k, v…]` reply as an object. */
function pairs(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) {
      out[String(reply[i])] = String(reply[i + 1]);
    }
  } else if (reply && typeof reply === "object") {
    for (const [k, v] of Object.entries(reply)) out[k] = String(v);
  }
  return out;
}

/** A `TIME` reply in epoch ms. */
function redisTime(reply: unknown): number {
  const [sec, usec] = reply as [string, string];
  return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
}

async function dropKeys(s: Shared, signal?: AbortSignal): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await s.conn.command(
      ["SCAN", cursor, "MATCH", s.prefix + "*", "COUNT", "1000"],
      signal,
    ) as [string, string[]];
    cursor = next;
    if (keys.length > 0) {
      deleted += Number(await s.conn.command(["UNLINK", ...keys], signal));
    }
  } while (cursor !== "0");
  return deleted;
}
