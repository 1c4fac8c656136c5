/**
 * How the Redis store encodes what it keeps and decodes what Redis answers:
 * queued entries, the stat line of a result, limits, and the shapes of
 * `HGETALL` and `TIME` replies.
 *
 * @module
 */
import type { CrawlResult } from "../../crawler/result.ts";
import type { FrontierEntry } from "../store.ts";

/**
 * A queued entry as stored: `u` URL, `d` depth, `r` referrer, `p` span,
 * and for sitemaps and what they list `s` nesting, `v` via, `m` lastmod.
 */
interface StoredEntry {
  u: string;
  d: number;
  r?: string;
  p?: string;
  t?: string;
  s?: number;
  v?: "sitemap" | "robots";
  m?: string;
}

/**
 * A queued entry's JSON, without its host (the queue's key).
 *
 * @param e The entry.
 * @returns `{"u":URL,"d":DEPTH,"r":REFERRER,"p":SPAN,"t":TRACE}` (`r`, `p`,
 * `t` optional; `s`, `v`, `m` for sitemap entries).
 */
export function encodeEntry(e: FrontierEntry): string {
  const o: StoredEntry = { u: e.url, d: e.depth };
  if (e.referrer !== undefined) o.r = e.referrer;
  if (e.parentSpanId !== undefined) o.p = e.parentSpanId;
  if (e.parentTraceId !== undefined) o.t = e.parentTraceId;
  if (e.sitemap !== undefined) o.s = e.sitemap;
  if (e.via !== undefined) o.v = e.via;
  if (e.lastmod !== undefined) o.m = e.lastmod;
  return JSON.stringify(o);
}

/**
 * A claimed entry, as the claim script returns it: `HOST\nJSON`.
 *
 * @param raw The script's item.
 * @returns The entry.
 */
export function decodeClaimed(raw: string): FrontierEntry {
  const nl = raw.indexOf("\n");
  const e = JSON.parse(raw.slice(nl + 1)) as StoredEntry;
  const entry: FrontierEntry = { url: e.u, host: raw.slice(0, nl), depth: e.d };
  if (e.r !== undefined) entry.referrer = e.r;
  if (e.p !== undefined) entry.parentSpanId = e.p;
  if (e.t !== undefined) entry.parentTraceId = e.t;
  if (e.s !== undefined) entry.sitemap = e.s;
  if (e.v !== undefined) entry.via = e.v;
  if (e.m !== undefined) entry.lastmod = e.m;
  return entry;
}

/**
 * A result's line for the shared counters:
 * `class|skipped|error name|bytes|retries`.
 *
 * @param r The result.
 * @returns The line.
 */
export function statLine(r: CrawlResult): string {
  const cls = r.status > 0 ? `${Math.floor(r.status / 100)}xx` : "";
  const err = r.error ? r.error.name.replace(/[|\s]/g, "_") : "";
  return `${cls}|${r.skipped ?? ""}|${err}|${Math.max(0, r.bytes | 0)}|${
    Math.max(0, (r.attempts | 0) - 1)
  }`;
}

/**
 * A rate or a limit as a script argument: `-1` for none (`Infinity`).
 *
 * @param n Requests per second, or a count.
 * @returns The argument.
 */
export function limitArg(n: number): string {
  return Number.isFinite(n) ? String(n) : "-1";
}

/**
 * A flat `[k, v, k, v…]` reply (or a map reply) as an object.
 *
 * @param reply The reply.
 * @returns Its fields as strings.
 */
export function pairs(reply: unknown): Record<string, string> {
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

/**
 * A `TIME` reply in epoch ms.
 *
 * @param reply `[seconds, microseconds]`.
 * @returns Milliseconds since the epoch.
 */
export function redisTime(reply: unknown): number {
  const [sec, usec] = reply as [string, string];
  return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
}

/**
 * The fields of a stats hash whose names start with `prefix`, as numbers
 * keyed by the rest of the name (`c:2xx` → `2xx`).
 *
 * @param stats The hash.
 * @param prefix The prefix, e.g. `"c:"`.
 * @returns The counters.
 */
export function countersWith(
  stats: Record<string, string>,
  prefix: string,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats)) {
    if (k.startsWith(prefix)) out[k.slice(prefix.length)] = Number(v);
  }
  return out;
}
