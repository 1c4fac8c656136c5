/**
 * Claiming from a crawl spread over several slots (see `slots.ts`): one
 * claim round trip per slot, slots known to have queued work first, and the
 * crawl over only when two rounds of reads agree that every slot is empty
 * (see `slot_scripts.ts`).
 *
 * @module
 */
import type { ReadyEntry } from "../store.ts";
import type { Claimed } from "./claim_loop.ts";
import type { Slot, Slots } from "./slots.ts";

/** What one claim in one slot brought (see `CLAIM`). */
export interface SlotClaim {
  /** The entries claimed. */
  entries: ReadyEntry[];
  /** Entries queued in the slot. */
  pending: number;
  /** Entries leased in the slot. */
  leased: number;
  /** Ms until something may become claimable there, or -1 when unknown. */
  hint: number;
  /** Expired leases returned to the slot's queues. */
  reclaimed: number;
  /** The slot's version. */
  version: number;
}

/** Claims up to `want` entries in one slot (`0`: reads its counts only). */
export type ClaimIn = (
  slot: Slot,
  want: number,
  signal: AbortSignal,
) => Promise<SlotClaim>;

/**
 * One claim round over the slots: first, one at a time, the slots whose
 * last count showed queued work (from `start` on, so they take turns), until
 * `want` entries are claimed; when they gave nothing, the other slots at
 * once, one entry each (each claim also returns the slot's expired
 * leases). When every slot is empty, every slot is read again: the crawl
 * is over if none changed.
 *
 * @param slots The crawl's slots.
 * @param want Entries wanted.
 * @param claimIn Claims in one slot.
 * @param busy Whether a slot's last count showed queued work.
 * @param start The slot to start from.
 * @param signal Aborts the round.
 * @returns What the round brought.
 */
export async function claimAcross(
  slots: Slots,
  want: number,
  claimIn: ClaimIn,
  busy: (slot: Slot) => boolean,
  start: number,
  signal: AbortSignal,
): Promise<Claimed> {
  const n = slots.count;
  const order = Array.from({ length: n }, (_, i) => slots.all[(start + i) % n]);
  const replies = new Map<Slot, SlotClaim>();
  const entries: ReadyEntry[] = [];
  for (const slot of order.filter(busy)) {
    if (entries.length >= want) break;
    const r = await claimIn(slot, want - entries.length, signal);
    replies.set(slot, r);
    entries.push(...r.entries);
  }
  const progressed = () =>
    entries.length > 0 || [...replies.values()].some((r) => r.reclaimed > 0);
  if (!progressed()) {
    const rest = order.filter((slot) => !replies.has(slot));
    const got = await Promise.all(rest.map((s) => claimIn(s, 1, signal)));
    rest.forEach((slot, i) => {
      replies.set(slot, got[i]);
      entries.push(...got[i].entries);
    });
  }
  const hint = [...replies.values()].reduce(
    (h, r) => r.hint < 0 ? h : h < 0 ? r.hint : Math.min(h, r.hint),
    -1,
  );
  if (progressed()) return { entries, progress: true, over: false, hint };
  let over = replies.size === n && [...replies.values()].every(empty);
  if (over) {
    // Every slot read empty: over if none changed since (read again).
    const again = await Promise.all(order.map((s) => claimIn(s, 0, signal)));
    over = again.every((r, i) =>
      empty(r) && r.version === replies.get(order[i])!.version
    );
  }
  return { entries, progress: false, over, hint };
}

function empty(r: SlotClaim): boolean {
  return r.pending === 0 && r.leased === 0;
}
