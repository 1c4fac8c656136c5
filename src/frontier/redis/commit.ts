/**
 * The Redis frontier's commits: a finished page, the URLs it found and the
 * ones settled without a request go to Redis in one script run, which marks
 * the page done (deciding which process won it), dedupes and queues the
 * found URLs within the budget, and updates the shared counters.
 *
 * A commit is safe to retry: each carries a token, and Redis keeps the
 * reply under it until the next commit says the reply arrived.
 *
 * @module
 */
import type { CrawlResult } from "../../crawler/result.ts";
import { hostOf } from "../host_of.ts";
import type { FrontierBatch, FrontierContext } from "../store.ts";
import type { RedisArg } from "./connection.ts";
import { encodeEntry, limitArg, statLine } from "./codec.ts";
import { fingerprints } from "./fingerprint.ts";
import { COMMIT } from "./scripts.ts";
import type { StoreShared } from "./shared.ts";

/** Tokens whose replies arrived, dropped with one commit at most. */
const MAX_RECEIVED = 256;

/** What a commit did. */
export interface CommitOutcome {
  /** The results this process won: to be emitted. */
  won: CrawlResult[];
  /** URLs accepted so far by every process. */
  accepted: number;
  /** Entries queued in Redis. */
  pending: number;
}

/** Sends one process's commits, keeping their tokens. */
export class Commits {
  readonly #s: StoreShared;
  readonly #ctx: FrontierContext;
  /** Tokens of commits whose reply arrived, not yet dropped in Redis. */
  readonly #received: string[] = [];

  /**
   * Creates the committer.
   *
   * @param s The store's shared state.
   * @param ctx The crawl's budget and per-host concurrency.
   */
  constructor(s: StoreShared, ctx: FrontierContext) {
    this.#s = s;
    this.#ctx = ctx;
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
    const token = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
    const received = this.#received.splice(0, MAX_RECEIVED);
    let reply: string;
    try {
      reply = await this.#s.conn.run(
        COMMIT,
        this.#args(batch, shards, token, received),
        signal,
      ) as string;
    } catch (err) {
      // The tokens were not dropped: send them again next time.
      this.#received.push(...received);
      throw err;
    }
    this.#received.push(token);
    const [flags, accepted, pending] = reply.split(";");
    const won: CrawlResult[] = [];
    let i = 0;
    if (batch.page && flags[i++] === "1") won.push(batch.page.result);
    for (const r of batch.settled) if (flags[i++] === "1") won.push(r);
    return { won, accepted: Number(accepted), pending: Number(pending) };
  }

  /** Drops the tokens still kept in Redis (on close). */
  async close(): Promise<void> {
    const tokens = this.#received.splice(0);
    if (tokens.length === 0) return;
    const s = this.#s;
    await s.conn.command(["HDEL", `${s.prefix}w:${s.worker}:tok`, ...tokens]);
  }

  /** The COMMIT script's arguments (see `scripts.ts`). */
  #args(
    batch: FrontierBatch,
    shards: number,
    token: string,
    received: readonly string[],
  ): RedisArg[] {
    const s = this.#s;
    const { page, found, settled } = batch;
    const urls: string[] = [];
    if (page) urls.push(page.entry.url);
    for (const e of found) urls.push(e.url);
    for (const r of settled) urls.push(r.url);
    const args: RedisArg[] = [
      s.prefix,
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
    ];
    if (page) {
      args.push(
        JSON.stringify(page.result),
        page.entry.host,
        statLine(page.result),
      );
    }
    for (const e of found) args.push(e.host, encodeEntry(e));
    for (const r of settled) {
      args.push(JSON.stringify(r), hostOf(r.url), statLine(r));
    }
    return args;
  }
}
