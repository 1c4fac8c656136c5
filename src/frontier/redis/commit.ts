/**
 * The Redis frontier's commits: a finished page, the URLs it found and the
 * ones settled without a request go to Redis in one script run, which marks
 * the page done (deciding which process won it), dedupes and queues the
 * found URLs within the budget, and updates the shared counters.
 *
 * A commit is safe to retry: each carries a token, and Redis keeps the
 * reply under it until a later call says the reply arrived (see
 * `tokens.ts`).
 *
 * With a per-host page budget or a query-variant limit, the limits are
 * counted in the script for every process together: each found URL a
 * limit may refuse carries the result to report should it be refused.
 *
 * A crawl of several slots (see `slots.ts`) commits in several scripts:
 * the found URLs and settled results of hosts in other slots go to their
 * slots first, then the page to its own slot, so the page's lease is held
 * until every URL it found is queued. A page budget is then shared through
 * slot 0: each commit reserves part of it first and settles the reservation
 * after (see `RESERVE`).
 *
 * @module
 */
import type { CrawlResult } from "../../crawler/result.ts";
import { hostOf } from "../host_of.ts";
import type {
  FrontierBatch,
  FrontierContext,
  FrontierEntry,
} from "../store.ts";
import type { RedisArg } from "./connection.ts";
import { encodeEntry, limitArg, statLine } from "./codec.ts";
import { fingerprints } from "./fingerprint.ts";
import { COMMIT } from "./scripts.ts";
import { runIn, type StoreShared } from "./shared.ts";
import { RESERVE, SETTLE } from "./slot_scripts.ts";
import type { Slot } from "./slots.ts";
import type { SlotTokens } from "./tokens.ts";

/** A slot's shared counts, as a script saw them. */
export interface SlotCounts {
  /** URLs accepted in the slot by every process (queued and settled). */
  accepted: number;
  /** Entries queued in the slot. */
  pending: number;
}

/** What a commit did. */
export interface CommitOutcome {
  /** The results this process won: to be emitted. */
  won: CrawlResult[];
  /** The counts of each slot the commit ran in. */
  counts: Map<Slot, SlotCounts>;
}

/** The part of a batch committed in one slot. */
interface Part {
  page?: FrontierBatch["page"];
  found: FrontierEntry[];
  settled: CrawlResult[];
}

/** What one slot's commit did. */
interface PartOutcome extends SlotCounts {
  won: CrawlResult[];
  /** Found URLs it queued. */
  added: number;
}

/** The reasons a shared limit refuses a found URL, by reply flag. */
const REFUSALS = { b: "budget", q: "query-variants" } as const;

/** Sends one process's commits. */
export class Commits {
  readonly #s: StoreShared;
  readonly #ctx: FrontierContext;
  readonly #tokens: SlotTokens;
  /** URLs per host at most, shared (`Infinity`: no limit or no reporting). */
  readonly #perHost: number;
  /** Query variants per host and path at most, shared. */
  readonly #variants: number;

  /**
   * Creates the committer.
   *
   * @param s The store's shared state.
   * @param ctx The crawl's budget, limits and per-host concurrency.
   * @param tokens This worker's tokens, by slot.
   */
  constructor(s: StoreShared, ctx: FrontierContext, tokens: SlotTokens) {
    this.#s = s;
    this.#ctx = ctx;
    this.#tokens = tokens;
    // The limits are shared only when refused URLs can be reported.
    const shared = ctx.refuse !== undefined;
    this.#perHost = shared ? ctx.maxPagesPerHost ?? Infinity : Infinity;
    this.#variants = shared ? ctx.maxQueryVariants ?? Infinity : Infinity;
  }

  /**
   * Commits a batch.
   *
   * @param batch The page and what it found and settled.
   * @param shards The crawl's dedupe shards.
   * @param signal Aborts the call (and its retries).
   * @returns What this process won, and the shared counts.
   */
  async commit(
    batch: FrontierBatch,
    shards: number,
    signal: AbortSignal | undefined,
  ): Promise<CommitOutcome> {
    const slots = this.#s.slots!;
    const counts = new Map<Slot, SlotCounts>();
    if (slots.count === 1) {
      const max = this.#ctx.maxAccepted;
      const out = await this.#part(slots.home, batch, shards, max, -1, signal);
      counts.set(slots.home, out);
      return { won: out.won, counts };
    }
    const parts = this.#split(batch);
    const budgeted = Number.isFinite(this.#ctx.maxAccepted);
    const token = this.#tokens.of(slots.home).next();
    const granted = budgeted ? await this.#reserve(token, batch, signal) : -1;
    let left = granted;
    const won: CrawlResult[] = [];
    const run = async (slot: Slot, part: Part) => {
      const out = await this.#part(slot, part, shards, -1, left, signal);
      if (budgeted) left -= out.added;
      counts.set(slot, out);
      won.push(...out.won);
    };
    // The page's own slot last: its lease is held until every URL it found
    // is queued.
    const others = [...parts].filter(([, p]) => !p.page);
    const own = [...parts].find(([, p]) => p.page);
    if (budgeted) {
      for (const [slot, part] of others) await run(slot, part);
    } else {
      await Promise.all(others.map(([slot, part]) => run(slot, part)));
    }
    if (own) await run(own[0], own[1]);
    if (budgeted && batch.found.length > 0) {
      const s = this.#s;
      await runIn(
        s,
        slots.home,
        SETTLE,
        [token, String(granted - left)],
        signal,
      );
    }
    return { won, counts };
  }

  /** Drops the tokens still kept in Redis (on close). */
  async close(): Promise<void> {
    const s = this.#s;
    for (const [slot, tokens] of this.#tokens.entries()) {
      const left = tokens.drain();
      if (left.length === 0) continue;
      await s.conn.command(
        ["HDEL", `${slot.prefix}w:${s.worker}:tok`, ...left],
        undefined,
        slot.key,
      );
    }
  }

  /** The batch's parts, by the slot of their hosts. */
  #split(batch: FrontierBatch): Map<Slot, Part> {
    const slots = this.#s.slots!;
    const parts = new Map<Slot, Part>();
    const partOf = (slot: Slot) => {
      let part = parts.get(slot);
      if (!part) parts.set(slot, part = { found: [], settled: [] });
      return part;
    };
    if (batch.page) partOf(slots.of(batch.page.entry.host)).page = batch.page;
    for (const e of batch.found) partOf(slots.of(e.host)).found.push(e);
    for (const r of batch.settled) partOf(slots.ofUrl(r.url)).settled.push(r);
    return parts;
  }

  /** Reserves budget for the batch's found URLs (in slot 0). */
  async #reserve(
    token: string,
    batch: FrontierBatch,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    if (batch.found.length === 0) return 0;
    const s = this.#s;
    return Number(
      await runIn(s, s.slots!.home, RESERVE, [
        token,
        String(batch.found.length),
        String(this.#ctx.maxAccepted),
      ], signal),
    );
  }

  /** Commits a batch's part in its slot. */
  async #part(
    slot: Slot,
    part: Part,
    shards: number,
    max: number,
    cap: number,
    signal: AbortSignal | undefined,
  ): Promise<PartOutcome> {
    const tokens = this.#tokens.of(slot);
    const token = tokens.next();
    const received = tokens.take();
    /** The results to report for the found URLs a shared limit refuses. */
    const refusable: (CrawlResult | undefined)[] = [];
    const args = this.#args(part, shards, max, cap, refusable);
    let reply: string;
    try {
      reply = await runIn(
        this.#s,
        slot,
        COMMIT,
        [this.#s.worker, token, received.join(","), ...args],
        signal,
      ) as string;
    } catch (err) {
      tokens.settle(token, received, false);
      throw err;
    }
    tokens.settle(token, received, true);
    const [flags, accepted, pending, refused, added] = reply.split(";");
    const won: CrawlResult[] = [];
    let i = 0;
    if (part.page && flags[i++] === "1") won.push(part.page.result);
    for (const r of part.settled) if (flags[i++] === "1") won.push(r);
    for (let j = 0; j < (refused?.length ?? 0); j++) {
      const why = REFUSALS[refused[j] as keyof typeof REFUSALS];
      const r = refusable[j];
      if (why && r) won.push({ ...r, skipped: why });
    }
    return {
      won,
      accepted: Number(accepted),
      pending: Number(pending),
      added: Number(added),
    };
  }

  /**
   * The COMMIT script's arguments after the worker, token and received
   * tokens (see `scripts.ts`); `refusable` gets the result of each found URL
   * a shared limit may refuse.
   */
  #args(
    part: Part,
    shards: number,
    max: number,
    cap: number,
    refusable: (CrawlResult | undefined)[],
  ): RedisArg[] {
    const { page, found, settled } = part;
    const urls: string[] = [];
    if (page) urls.push(page.entry.url);
    for (const e of found) urls.push(e.url);
    for (const r of settled) urls.push(r.url);
    const args: RedisArg[] = [
      String(shards),
      limitArg(max),
      String(this.#ctx.perHostConcurrency),
      this.#s.outbox ? "1" : "0",
      fingerprints(urls),
      page ? "1" : "0",
      String(found.length),
      String(settled.length),
      limitArg(this.#perHost),
      limitArg(this.#variants),
      String(cap),
    ];
    if (page) {
      args.push(
        JSON.stringify(page.result),
        page.entry.host,
        statLine(page.result),
      );
    }
    for (const e of found) {
      const variant = Number.isFinite(this.#variants) ? variantKey(e) : "";
      const limited = variant !== "" || Number.isFinite(this.#perHost);
      const r = limited ? this.#ctx.refuse!(e, "budget") : undefined;
      refusable.push(r);
      args.push(e.host, encodeEntry(e), variant, r ? openJson(r) : "");
    }
    for (const r of settled) {
      args.push(JSON.stringify(r), hostOf(r.url), statLine(r));
    }
    return args;
  }
}

/**
 * The 8-byte key of a URL's host and path when it has a query (the query
 * variants are counted per key), else `""`.
 *
 * @param e A found entry.
 * @returns The key.
 */
function variantKey(e: FrontierEntry): RedisArg {
  const q = e.url.indexOf("?");
  if (q === -1 || q === e.url.length - 1) return "";
  const hash = e.url.indexOf("#", q);
  if (hash === q + 1) return "";
  return fingerprints([e.url.slice(0, q)]);
}

/**
 * A refused URL's result as JSON without `skipped` and without its closing
 * brace: the script adds `,"skipped":"REASON"}`.
 *
 * @param r The result.
 * @returns The JSON's start.
 */
function openJson(r: CrawlResult): string {
  const { skipped: _, ...rest } = r;
  return JSON.stringify(rest).slice(0, -1);
}
