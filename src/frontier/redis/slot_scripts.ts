/**
 * The Lua scripts of a crawl spread over several slots (see `slots.ts`):
 * setting up the slots' `meta`, and sharing the page budget between them.
 * Keys and helpers are described in `scripts.ts`.
 *
 * How a process knows the crawl is over when work can move between slots (a
 * page in one slot queues links in another): every slot's `c` hash has a
 * version `v`, raised whenever an entry is queued or leased in the slot.
 * The crawl is over when two rounds of reads of every slot find nothing
 * queued or leased and the same versions: no slot changed between its two
 * reads, so at the moment between the rounds every slot was empty. Work
 * cannot appear in an empty crawl: links are queued in their slots before
 * the page that found them gives its lease up.
 *
 * @module
 */
import { CRAWL_LOST } from "./classify.ts";
import { type Script, script } from "./connection.ts";
import { PRELUDE } from "./scripts.ts";

/**
 * Gives a slot other than 0 its `meta` (the crawl's id), unless it has it.
 *
 * ARGV: prefix, crawl id. Returns 1. Idempotent.
 */
export const SLOT_INIT: Script = script(
  PRELUDE + `
local id = redis.call('HGET', P .. 'meta', 'id')
if id and id ~= ID then error({err = '${CRAWL_LOST} replaced'}) end
if not id then redis.call('HSET', P .. 'meta', 'id', ID) end
return 1
`,
);

/**
 * Marks every slot set up (in slot 0's `meta`): from then on a slot without
 * its `meta` is a slot Redis lost.
 *
 * ARGV: prefix, crawl id. Returns 1. Idempotent.
 */
export const SLOTS_READY: Script = script(
  PRELUDE + `
check_crawl()
redis.call('HSET', P .. 'meta', 'ready', 1)
return 1
`,
);

/**
 * Reserves part of the page budget for one commit of a crawl with several
 * slots (in slot 0): up to `wanted` of what is left, counted in `c`
 * `budget` at once. `SETTLE` gives back what the commit did not use. A
 * process that dies between the two leaves its reservation counted: the
 * crawl may then stop short of its budget, never past it.
 *
 * ARGV: prefix, crawl id, token, wanted, budget. Returns how many URLs the
 * commit may accept. Idempotent (the reservation is kept under the token
 * until settled).
 */
export const RESERVE: Script = script(
  PRELUDE + `
check_crawl()
local rk, token = P .. 'rsv', ARGV[2]
local prior = redis.call('HGET', rk, token)
if prior then return tonumber(prior) end
local used = tonumber(redis.call('HGET', P .. 'c', 'budget')) or 0
local granted = math.max(0, math.min(tonumber(ARGV[3]), tonumber(ARGV[4]) - used))
if granted > 0 then
  redis.call('HINCRBY', P .. 'c', 'budget', granted)
  redis.call('HSET', rk, token, granted)
end
return granted
`,
);

/**
 * Settles a reservation: what the commit did not use goes back to the
 * budget.
 *
 * ARGV: prefix, crawl id, token, URLs used. Returns how many went back.
 * Idempotent.
 */
export const SETTLE: Script = script(
  PRELUDE + `
check_crawl()
local rk, token = P .. 'rsv', ARGV[2]
local granted = tonumber(redis.call('HGET', rk, token))
if not granted then return 0 end
redis.call('HDEL', rk, token)
local unused = granted - tonumber(ARGV[3])
if unused > 0 then redis.call('HINCRBY', P .. 'c', 'budget', -unused) end
return math.max(unused, 0)
`,
);
