/**
 * A shared crawl's identity in Redis: the first process creates the crawl
 * with its seeds, settings and dedupe shards; every later one is checked
 * against them (see `StateMode`).
 *
 * @module
 */
import { StateMismatchError } from "../state_errors.ts";
import { compareIdentity } from "../state_identity.ts";
import type { FrontierContext } from "../store.ts";
import { MAX_SHARDS } from "./rules.ts";
import { FRESH, INIT } from "./scripts.ts";
import { dropKeys, runIn, type StoreShared } from "./shared.ts";
import { SLOT_INIT, SLOTS_READY } from "./slot_scripts.ts";
import { Slots } from "./slots.ts";

/** How often a process joining a crawl another one starts over looks, ms. */
const FRESH_POLL_MS = 50;

/**
 * Creates the crawl, or checks this run against it (mode `"auto"`). In mode
 * `"fresh"` the crawl is dropped first, by the first of the processes
 * started over within a lease of each other; the others join the new crawl.
 *
 * @param s The store's shared state.
 * @param ctx The crawl's seeds, settings, mode and budget.
 * @param signal Aborts the call.
 * @returns The crawl's dedupe shards (its slots are in `s.slots`).
 * @throws {StateMismatchError} When the crawl was made with other seeds or
 * settings and the mode is `"auto"`.
 * @throws {CrawlLostError} When the crawl does not exist and `mustExist`
 * was set.
 */
export async function initCrawl(
  s: StoreShared,
  ctx: FrontierContext,
  signal: AbortSignal,
): Promise<number> {
  const seeds = [...new Set(ctx.seeds)].sort();
  const settings = canonical(ctx.settings);
  let reply;
  do {
    let id: string = crypto.randomUUID();
    let how = s.mustExist && ctx.mode !== "fresh" ? "must" : "create";
    if (ctx.mode === "fresh") {
      const owner = await s.conn.run(
        FRESH,
        [s.prefix, id, String(s.leaseMs)],
        signal,
      ) as string;
      if (owner === id) await dropKeys(s, signal);
      else [id, how] = [owner, "await"];
    }
    for (;;) {
      reply = await s.conn.run(
        INIT,
        [
          s.prefix,
          id,
          JSON.stringify(seeds),
          settings,
          String(s.shards ?? defaultShards(ctx.maxAccepted)),
          how,
          String(s.newSlots),
        ],
        signal,
      ) as InitReply | string;
      if (reply !== "WAIT") break;
      await s.clock.sleep(FRESH_POLL_MS, signal);
    }
  } while (reply === "RETRY");
  const [storedSeeds, storedSettings, shards, , created, id, slots, ready] =
    reply as InitReply;
  s.crawlId = id;
  s.slots = new Slots(s.crawl, id, Number(slots));
  if (ready !== 1) await readySlots(s, signal);
  if (ctx.mode === "auto" && created !== 1) {
    const differences = compareIdentity(
      JSON.parse(storedSeeds),
      JSON.parse(storedSettings),
      seeds,
      JSON.parse(settings),
    );
    if (differences.length > 0) {
      throw new StateMismatchError(
        `${s.conn.url} crawl ${s.crawl}`,
        differences,
      );
    }
  }
  return Number(shards);
}

/** `INIT`'s reply. */
type InitReply = [
  seeds: string,
  settings: string,
  shards: string,
  created: string,
  createdNow: number,
  id: string,
  slots: string,
  ready: number,
];

/**
 * Gives every slot but 0 its `meta`, then marks the slots ready. Every
 * process that finds them not ready does it (the steps are idempotent), so
 * a process that died while doing it holds no one up.
 */
async function readySlots(s: StoreShared, signal: AbortSignal): Promise<void> {
  const slots = s.slots!;
  await Promise.all(
    slots.all.slice(1).map((slot) => runIn(s, slot, SLOT_INIT, [], signal)),
  );
  await runIn(s, slots.home, SLOTS_READY, [], signal);
}

/**
 * The dedupe shards of a new crawl: one per 40 URLs of the budget, rounded
 * up to a power of two from 16 to {@linkcode MAX_SHARDS}; 16384 without a
 * budget.
 *
 * @param maxAccepted The page budget.
 * @returns The number of shards.
 */
export function defaultShards(maxAccepted: number): number {
  if (!Number.isFinite(maxAccepted)) return 16384;
  let shards = 16;
  while (shards < MAX_SHARDS && shards * 40 < maxAccepted) shards *= 2;
  return shards;
}

/**
 * JSON with object keys sorted, so equal settings compare equal.
 *
 * @param value A JSON-safe value.
 * @returns Its canonical JSON.
 */
export function canonical(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(
          Object.keys(v).sort().map((k) => [
            k,
            (v as Record<string, unknown>)[k],
          ]),
        )
        : v,
  );
}
