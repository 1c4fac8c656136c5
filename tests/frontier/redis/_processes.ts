/**
 * Helpers of the Redis store's tests: simulated crawler processes (a store
 * and its opened frontier each) on one crawl, and ways to drive them.
 *
 * @module
 */
import { createClient } from "redis";
import { systemClock } from "../../../src/concurrency/clock.ts";
import type { CrawlResult } from "../../../src/crawler/result.ts";
import { type CrawlStats, emptyStats } from "../../../src/crawler/stats.ts";
import type {
  FrontierBatch,
  FrontierContext,
  FrontierEntry,
  ReadyEntry,
} from "../../../src/frontier/store.ts";
import type { LogRecord } from "../../../src/telemetry/log.ts";
import {
  type RedisFrontier,
  RedisStore,
  type RedisStoreOptions,
} from "../../../src/frontier/redis/redis_store.ts";

/** A queued entry for `url`. */
export function entry(url: string, depth = 0): FrontierEntry {
  return { url, host: new URL(url).host, depth };
}

/** A 200 result for `url`. */
export function result(
  url: string,
  extra: Partial<CrawlResult> = {},
): CrawlResult {
  return {
    url,
    finalUrl: url,
    status: 200,
    depth: 0,
    links: 0,
    bytes: 10,
    attempts: 1,
    timings: { start: 0, ttfb: 0, total: 0 },
    trace: { traceId: "t", spanId: "s" },
    ...extra,
  };
}

/** One simulated crawler process. */
export interface Proc {
  store: RedisStore;
  frontier: RedisFrontier;
  logs: LogRecord[];
  stats: CrawlStats;
  close(): Promise<void>;
}

/** How {@linkcode proc} opens its frontier. */
export interface ProcOptions {
  seeds?: string[];
  settled?: CrawlResult[];
  settings?: Record<string, unknown>;
  mode?: FrontierContext["mode"];
  perHostConcurrency?: number;
  perHostRate?: number;
  maxAccepted?: number;
  store?: Partial<RedisStoreOptions>;
  /** More of the frontier's context (shared limits, `refuse`). */
  context?: Partial<FrontierContext>;
}

/** One simulated crawler process: a store and its opened frontier. */
export async function proc(
  url: string,
  crawl: string,
  o: ProcOptions = {},
): Promise<Proc> {
  const store = new RedisStore({ url, crawl, ...o.store });
  const logs: LogRecord[] = [];
  const stats = emptyStats();
  const seeds = o.seeds ?? [];
  const frontier = store.createFrontier({
    seeds,
    settings: o.settings ?? { depth: 3 },
    mode: o.mode ?? "auto",
    perHostConcurrency: o.perHostConcurrency ?? 4,
    perHostRate: o.perHostRate ?? Infinity,
    maxAccepted: o.maxAccepted ?? Infinity,
    readySize: 16,
    clock: systemClock,
    spawn: () => {
      throw new Error("not used");
    },
    stats,
    onLog: (r) => logs.push(r),
    ...o.context,
  });
  try {
    await frontier.open(
      { found: seeds.map((s) => entry(s)), settled: o.settled ?? [] },
      new AbortController().signal,
    );
  } catch (err) {
    await frontier.close();
    await store.close();
    throw err;
  }
  return {
    store,
    frontier,
    logs,
    stats,
    close: async () => {
      await frontier.close();
      await store.close();
    },
  };
}

/** A signal that never aborts. */
export const never: AbortSignal = new AbortController().signal;

/** Commits `e` as a finished page that found nothing. */
export function finish(
  f: RedisFrontier,
  e: ReadyEntry,
): Promise<CrawlResult[]> {
  return f.commit({
    page: { entry: e, result: result(e.url) },
    found: [],
    settled: [],
  });
}

/** Takes entries until `next` says the crawl is over, committing each. */
export async function drain(
  f: RedisFrontier,
  links: (url: string) => string[] = () => [],
  onEntry?: (e: ReadyEntry) => void | Promise<void>,
): Promise<CrawlResult[]> {
  const won: CrawlResult[] = [];
  for (;;) {
    const e = await f.next(never);
    if (!e) return won;
    await onEntry?.(e);
    e.permit.release();
    const batch: FrontierBatch = {
      page: { entry: e, result: result(e.url, { depth: e.depth }) },
      found: links(e.url).map((u) => entry(u, e.depth + 1)),
      settled: [],
    };
    won.push(...await f.commit(batch));
  }
}

/** A raw client for poking at the store's keys. */
export async function raw(
  url: string,
): Promise<ReturnType<typeof createClient>> {
  const c = createClient({ url });
  c.on("error", () => {});
  await c.connect();
  return c;
}
