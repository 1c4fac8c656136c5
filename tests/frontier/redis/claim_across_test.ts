import assert from "node:assert/strict";
import {
  claimAcross,
  type SlotClaim,
} from "../../../src/frontier/redis/claim_across.ts";
import { type Slot, Slots } from "../../../src/frontier/redis/slots.ts";
import type { ReadyEntry } from "../../../src/frontier/store.ts";

const slots = new Slots("c", "id", 3);
const never = new AbortController().signal;

/** A slot's reply: `queued` entries of which `want` are claimed. */
function reply(
  queued: number,
  want: number,
  version = 0,
  leased = 0,
): SlotClaim {
  const n = Math.min(queued, want);
  const entries = Array.from(
    { length: n },
    (_, i) => ({ url: `u${i}` }) as unknown as ReadyEntry,
  );
  return {
    entries,
    pending: queued - n,
    leased: leased + n,
    hint: -1,
    reclaimed: 0,
    version,
  };
}

Deno.test("claimAcross() claims from the slots with queued work first, one at a time, until it has enough", async () => {
  const calls: [number, number][] = [];
  const queued = [0, 5, 5];
  const claimed = await claimAcross(
    slots,
    4,
    (slot: Slot, want: number) => {
      calls.push([slot.index, want]);
      return Promise.resolve(reply(queued[slot.index], want));
    },
    (slot) => queued[slot.index] > 0,
    2,
    never,
  );
  assert.equal(claimed.entries.length, 4);
  assert.equal(claimed.progress, true);
  assert.equal(claimed.over, false);
  assert.deepEqual(calls, [[2, 4]], "slot 2 had enough");
});

Deno.test("claimAcross() asks every other slot for one entry when the busy ones have none", async () => {
  const calls: [number, number][] = [];
  const queued = [3, 0, 0];
  const claimed = await claimAcross(
    slots,
    4,
    (slot: Slot, want: number) => {
      calls.push([slot.index, want]);
      return Promise.resolve(reply(queued[slot.index], want));
    },
    (slot) => slot.index === 1,
    0,
    never,
  );
  assert.deepEqual(calls, [[1, 4], [0, 1], [2, 1]]);
  assert.equal(claimed.entries.length, 1);
  assert.equal(claimed.over, false);
});

Deno.test("claimAcross() ends the crawl only when a second read of every slot finds them empty and unchanged", async () => {
  for (const changed of [false, true]) {
    let reads = 0;
    const claimed = await claimAcross(
      slots,
      2,
      (slot: Slot, want: number) => {
        reads++;
        // Slot 1 took work and gave it back between the two rounds.
        const version = want === 0 && changed && slot.index === 1 ? 1 : 0;
        return Promise.resolve(reply(0, want, version));
      },
      () => false,
      0,
      never,
    );
    assert.equal(reads, 6, "two rounds of three slots");
    assert.equal(claimed.progress, false);
    assert.equal(claimed.over, !changed);
  }
});

Deno.test("claimAcross() does not end the crawl while a slot holds leases", async () => {
  let reads = 0;
  const claimed = await claimAcross(
    slots,
    2,
    (slot: Slot, want: number) => {
      reads++;
      return Promise.resolve(reply(0, want, 0, slot.index === 2 ? 1 : 0));
    },
    () => false,
    0,
    never,
  );
  assert.equal(reads, 3, "no second round");
  assert.equal(claimed.over, false);
});
