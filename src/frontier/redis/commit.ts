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
import { scriptArgs, type StoreShared } from "./shared.ts";
import type { Tokens } from "./tokens.ts";

/** What a commit did. */
export interface CommitOutcome {
  /** The results this process won: to be emitted. */
  won: CrawlResult[];
  /** URLs accepted so far by every process. */
  accepted: number;
  /** Entries queued in Redis. */
  pending: number;
}

/** The reasons a shared limit refuses a found URL, by reply flag. */
const REFUSALS = { b: "budget", q: "query-variants" } as const;

/** Sends one process's commits. */
export class Commits {
  readonly #s: StoreShared;
  readonly #ctx: FrontierContext;
  readonly #tokens: Tokens;
  /** URLs per host at most, shared (`Infinity`: no limit or no reporting). */
  readonly #perHost: number;
  /** Query variants per host and path at most, shared. */
  readonly #variants: number;

  /**
   * Creates the committer.
   *
   * @param s The store's shared state.
   * @param ctx The crawl's budget, limits and per-host concurrency.
   * @param tokens This worker's tokens.
   */
  constructor(s: StoreShared, ctx: FrontierContext, tokens: Tokens) {
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
    const tokens = this.#tokens;
    const token = tokens.next();
    const received = tokens.take();
    /** The results to report for the found URLs a shared limit refuses. */
    const refusable: (CrawlResult | undefined)[] = [];
    let reply: string;
    try {
      reply = await this.#s.conn.run(
        COMMIT,
        this.#args(batch, shards, token, received, refusable),
        signal,
      ) as string;
    } catch (err) {
      tokens.settle(token, received, false);
      throw err;
    }
    tokens.settle(token, received, true);
    const [flags, accepted, pending, refused] = reply.split(";");
    const won: CrawlResult[] = [];
    let i = 0;
    if (batch.page && flags[i++] === "1") won.push(batch.page.result);
    for (const r of batch.settled) if (flags[i++] === "1") won.push(r);
    for (let j = 0; j < (refused?.length ?? 0); j++) {
      const why = REFUSALS[refused[j] as keyof typeof REFUSALS];
      const r = refusable[j];
      if (why && r) won.push({ ...r, skipped: why });
    }
    return { won, accepted: Number(accepted), pending: Number(pending) };
  }

  /** Drops the tokens still kept in Redis (on close). */
  async close(): Promise<void> {
    const tokens = this.#tokens.drain();
    if (tokens.length === 0) return;
    const s = this.#s;
    await s.conn.command(["HDEL", `${s.prefix}w:${s.worker}:tok`, ...tokens]);
  }

  /**
   * The COMMIT script's arguments (see `scripts.ts`); `refusable` gets the
   * result of each found URL a shared limit may refuse.
   */
  #args(
    batch: FrontierBatch,
    shards: number,
    token: string,
    received: readonly string[],
    refusable: (CrawlResult | undefined)[],
  ): RedisArg[] {
    const s = this.#s;
    const { page, found, settled } = batch;
    const urls: string[] = [];
    if (page) urls.push(page.entry.url);
    for (const e of found) urls.push(e.url);
    for (const r of settled) urls.push(r.url);
    const args: RedisArg[] = scriptArgs(
      s,
      s.worker,
      token,
      received.join(","),
      String(shards),
      limitArg(this.#ctx.maxAccepted),
      String(this.#ctx.perHostConcurrency),
      s.outbox ? "1" : "0",
      fingerprints(urls),
      page ? "1" : "0",
      String(found.length),
      String(settled.length),
      limitArg(this.#perHost),
      limitArg(this.#variants),
    );
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
