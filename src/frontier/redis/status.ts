/**
 * A shared crawl's progress read from Redis: the report of
 * `RedisStore.status`, and the counters a joining frontier restores.
 *
 * @module
 */
import type { CrawlStats } from "../../crawler/stats.ts";
import type { CrawlStatus, HostStatus, ProcessStatus } from "../status.ts";
import type { RedisArg } from "./connection.ts";
import { countersWith, pairs, redisTime } from "./codec.ts";
import { CrawlLostError } from "./errors.ts";
import {
  loadSlots,
  type StoreShared,
  type WorkerRegistration,
} from "./shared.ts";
import { type Slot, Slots } from "./slots.ts";

/** Hosts listed by `status()`, at most. */
const STATUS_HOSTS = 1000;

/** A worker of a shared crawl, as `RedisStore.status` shows it. */
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

/** A host of a shared crawl, as `RedisStore.status` shows it. */
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

/** Sends a command to the node of a slot. */
type Command = (slot: Slot, ...args: RedisArg[]) => Promise<unknown>;

/** The crawl's hashes and sets read at one moment. */
interface Snapshot {
  meta: Record<string, string>;
  counters: Record<string, string>;
  stats: Record<string, string>;
  doneOn: Record<string, string>;
  failedOn: Record<string, string>;
  /** Hosts with queued URLs, soonest ready first. */
  queuedHosts: string[];
  /** The lease records' JSON. */
  leases: string[];
  workers: Record<string, string>;
  beats: Record<string, string>;
  /** Redis time, epoch ms. */
  now: number;
}

/**
 * Reads the crawl's shared progress: totals, per host and per worker.
 *
 * @param s The store's shared state.
 * @param signal Aborts the reads.
 * @returns A snapshot.
 */
export async function readStatus(
  s: StoreShared,
  signal?: AbortSignal,
): Promise<RedisCrawlStatus> {
  const cmd: Command = (slot, ...args) =>
    s.conn.command(args, signal, slot.key);
  const slots = await slotsOf(s, signal);
  const snap = await snapshot(cmd, slots);
  const leasedBy = new Map<string, number>();
  const leasedOn = new Map<string, number>();
  for (const raw of snap.leases) {
    const rec = JSON.parse(raw) as { o: string; h: string };
    leasedBy.set(rec.o, (leasedBy.get(rec.o) ?? 0) + 1);
    leasedOn.set(rec.h, (leasedOn.get(rec.h) ?? 0) + 1);
  }
  const [hosts, processes] = await Promise.all([
    hostStatuses(cmd, slots, snap, leasedOn),
    processStatuses(cmd, s, slots, snap, leasedBy),
  ]);
  const { meta: m, counters: c, stats } = snap;
  const queued = Number(c.pending ?? 0);
  const leased = snap.leases.length;
  const exists = m.shards !== undefined;
  return {
    location: `${s.conn.url} crawl ${s.crawl}`,
    crawl: s.crawl,
    exists,
    seeds: m.seeds ? JSON.parse(m.seeds) : [],
    ...(m.created ? { createdAt: Number(m.created) } : {}),
    accepted: Number(c.accepted ?? 0) + Number(c.settled ?? 0),
    done: Number(stats.done ?? 0),
    pending: queued + leased,
    leased,
    byStatusClass: countersWith(stats, "c:"),
    errors: countersWith(stats, "e:"),
    skipped: countersWith(stats, "k:"),
    bytes: Number(stats.bytes ?? 0),
    retries: Number(stats.retries ?? 0),
    finished: exists && queued === 0 && leased === 0,
    hosts,
    processes,
    now: snap.now,
  };
}

/**
 * The crawl's slots: those of its frontier, else read from Redis (one, when
 * the crawl does not exist).
 */
async function slotsOf(s: StoreShared, signal?: AbortSignal): Promise<Slots> {
  try {
    return await loadSlots(s, signal);
  } catch (err) {
    if (err instanceof CrawlLostError) return new Slots(s.crawl, "", 1);
    throw err;
  }
}

/** Each slot's hashes and sets, and the crawl's, read at one moment. */
async function snapshot(cmd: Command, slots: Slots): Promise<Snapshot> {
  const home = slots.home;
  const P = home.prefix;
  const [own, parts] = await Promise.all([
    Promise.all([
      cmd(home, "HGETALL", P + "meta"),
      cmd(home, "HGETALL", P + "workers"),
      cmd(home, "ZRANGE", P + "beats", "0", "-1", "WITHSCORES"),
      cmd(home, "TIME"),
    ]),
    Promise.all(slots.all.map((slot) => slotSnapshot(cmd, slot))),
  ]);
  const snap: Snapshot = {
    meta: pairs(own[0]),
    counters: {},
    stats: {},
    doneOn: {},
    failedOn: {},
    queuedHosts: [],
    leases: [],
    workers: pairs(own[1]),
    beats: pairs(own[2]),
    now: redisTime(own[3]),
  };
  for (const part of parts) {
    addUp(snap.counters, part.counters);
    addUp(snap.stats, part.stats);
    Object.assign(snap.doneOn, part.doneOn);
    Object.assign(snap.failedOn, part.failedOn);
    snap.queuedHosts.push(...part.queuedHosts);
    snap.leases.push(...part.leases);
  }
  snap.queuedHosts.length = Math.min(snap.queuedHosts.length, STATUS_HOSTS);
  return snap;
}

/** What one slot holds of the snapshot. */
type SlotSnapshot = Pick<
  Snapshot,
  "counters" | "stats" | "doneOn" | "failedOn" | "queuedHosts" | "leases"
>;

async function slotSnapshot(cmd: Command, slot: Slot): Promise<SlotSnapshot> {
  const P = slot.prefix;
  const replies = await Promise.all([
    cmd(slot, "HGETALL", P + "c"),
    cmd(slot, "HGETALL", P + "stats"),
    cmd(slot, "HGETALL", P + "hostdone"),
    cmd(slot, "HGETALL", P + "hostfailed"),
    cmd(slot, "ZRANGE", P + "hosts", "0", String(STATUS_HOSTS - 1)),
    cmd(slot, "HVALS", P + "lease"),
  ]);
  const [counters, stats, doneOn, failedOn] = replies.slice(0, 4).map(pairs);
  return {
    counters,
    stats,
    doneOn,
    failedOn,
    queuedHosts: replies[4] as string[],
    leases: replies[5] as string[],
  };
}

/** Adds the numeric fields of `more` into `into`. */
function addUp(into: Record<string, string>, more: Record<string, string>) {
  for (const [k, v] of Object.entries(more)) {
    into[k] = String(Number(into[k] ?? 0) + Number(v));
  }
}

/**
 * The hosts with queued or leased URLs, then the ones with the most results,
 * up to {@linkcode STATUS_HOSTS}: most pending first.
 */
async function hostStatuses(
  cmd: Command,
  slots: Slots,
  snap: Snapshot,
  leasedOn: Map<string, number>,
): Promise<RedisHostStatus[]> {
  const names = new Set<string>(snap.queuedHosts);
  for (const h of leasedOn.keys()) names.add(h);
  const byDone = Object.entries(snap.doneOn).sort((a, b) => +b[1] - +a[1]);
  for (const [h] of byDone) {
    if (names.size >= STATUS_HOSTS) break;
    names.add(h);
  }
  const list = [...names];
  const info = await Promise.all(
    list.map((h) => {
      const slot = slots.of(h);
      return Promise.all([
        cmd(slot, "LLEN", slot.prefix + "q:" + h),
        cmd(slot, "HMGET", slot.prefix + "h:" + h, "r", "pu"),
      ]);
    }),
  );
  const hosts = list.map((host, i) => {
    const [len, [r, pu]] = info[i] as [number, (string | null)[]];
    const leased = leasedOn.get(host) ?? 0;
    const out: RedisHostStatus = {
      host,
      done: Number(snap.doneOn[host] ?? 0),
      pending: Number(len) + leased,
      failed: Number(snap.failedOn[host] ?? 0),
      leased,
    };
    if (r != null) out.rate = Number(r);
    if (pu != null && Number(pu) > snap.now) out.pausedUntil = Number(pu);
    return out;
  });
  return hosts.sort((a, b) =>
    b.pending - a.pending || b.done - a.done ||
    (a.host < b.host ? -1 : a.host > b.host ? 1 : 0)
  );
}

/** Every registered worker, alive when its heartbeat is within its lease. */
async function processStatuses(
  cmd: Command,
  s: StoreShared,
  slots: Slots,
  snap: Snapshot,
  leasedBy: Map<string, number>,
): Promise<RedisProcessStatus[]> {
  const ids = Object.keys(snap.workers);
  const unacked = await Promise.all(
    ids.map(async (id) => {
      const n = await Promise.all(
        slots.all.map((slot) => cmd(slot, "HLEN", slot.prefix + "out:" + id)),
      );
      return n.reduce((a: number, b) => a + Number(b), 0);
    }),
  );
  return ids.map((id, i) => {
    const reg = JSON.parse(snap.workers[id]) as WorkerRegistration;
    const beat = snap.beats[id] !== undefined ? Number(snap.beats[id]) : 0;
    const w: RedisProcessStatus = {
      id,
      hostname: reg.hostname,
      pid: reg.pid,
      done: Number(snap.stats["w:" + id] ?? 0),
      leased: leasedBy.get(id) ?? 0,
      lastSeen: beat,
      alive: reg.stoppedAt === undefined &&
        snap.now - beat < (reg.leaseMs ?? s.leaseMs),
      startedAt: reg.startedAt,
      unacknowledged: Number(unacked[i]),
    };
    if (reg.stoppedAt !== undefined) w.stoppedAt = reg.stoppedAt;
    if (reg.output !== undefined) w.output = reg.output;
    return w;
  });
}

/** The shared counters a frontier starts from. */
export interface SharedCounters {
  /** URLs accepted by every process (queued and settled). */
  accepted: number;
  /** Entries queued in Redis. */
  pending: number;
}

/**
 * Loads the crawl's shared counters, summed over its slots, into `stats` (a
 * joining or resuming process goes on from them).
 *
 * @param s The store's shared state, its slots known.
 * @param stats The crawl's live counters.
 * @param signal Aborts the reads.
 * @returns The accepted and pending counts of each slot, by index.
 */
export async function restoreStats(
  s: StoreShared,
  stats: CrawlStats,
  signal: AbortSignal,
): Promise<SharedCounters[]> {
  const slots = s.slots!;
  const replies = await Promise.all(slots.all.map((slot) =>
    Promise.all([
      s.conn.command(["HGETALL", slot.prefix + "stats"], signal, slot.key),
      s.conn.command(
        ["HMGET", slot.prefix + "c", "accepted", "settled", "pending"],
        signal,
        slot.key,
      ),
    ])
  ));
  const shared: Record<string, string> = {};
  const counts = replies.map(([raw, counters]) => {
    addUp(shared, pairs(raw));
    const [acc, settled, pending] = (counters as (string | null)[]).map(
      Number,
    );
    return { accepted: (acc || 0) + (settled || 0), pending: pending || 0 };
  });
  stats.accepted = counts.reduce((n, c) => n + c.accepted, 0);
  stats.done = Number(shared.done ?? 0);
  stats.errors = Number(shared.errors ?? 0);
  stats.bytes = Number(shared.bytes ?? 0);
  stats.retries = Number(shared.retries ?? 0);
  Object.assign(stats.byStatusClass, countersWith(shared, "c:"));
  Object.assign(stats.skipped, countersWith(shared, "k:"));
  return counts;
}
