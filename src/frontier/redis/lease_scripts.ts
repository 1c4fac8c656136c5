/**
 * The Lua scripts of the Redis store's leases: claiming ready URLs, freeing a
 * host slot, the heartbeat's renewal and the give-back on close. Keys and
 * helpers are described in `scripts.ts`.
 *
 * @module
 */
import { type Script, script } from "./connection.ts";
import { PRELUDE } from "./scripts.ts";

/**
 * Returns expired leases to their host queues, then claims up to `want`
 * entries from hosts that are ready (a free slot, a token, not paused),
 * leasing each to the worker.
 *
 * ARGV: prefix, crawl id, worker, want, per-host concurrency, default
 * interval (ms between requests to a host; 0: no rate limit), lease (ms),
 * shards, token, received tokens (comma-separated, as for `COMMIT`),
 * auto-throttle's start delay (ms; `-1` or absent: auto-throttle is off). With
 * auto-throttle a host's requests are spaced by at least its shared delay
 * (field `ad`, see `AUTO_THROTTLE`), or the start delay before it has one.
 *
 * Returns `[pending, leased, hint, reclaimed, accepted, version, entry
 * JSON...]`: `hint` is the ms until something may become claimable (-1:
 * unknown), when nothing was claimed; `version` the slot's `c` `v` (see
 * `slot_scripts.ts`). With `want` 0 it only reads the counts.
 *
 * Idempotent: the fingerprints claimed are stored under the token, and a
 * repeated token returns the same entries (those still leased to the
 * worker) without claiming more, so a claim whose reply was lost (Redis
 * stopped answering, the connection dropped) leases nothing the worker
 * does not know of.
 */
export const CLAIM: Script = script(
  PRELUDE + `
check_crawl()
local worker, want, conc = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local interval, leaseMs, shards = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local token, autoStart = ARGV[8], tonumber(ARGV[10]) or -1
local tk = P .. 'w:' .. worker .. ':tok'
for t in string.gmatch(ARGV[9], '[^,]+') do redis.call('HDEL', tk, t) end
local now = now_ms()
local reclaimed = 0
local out = {}
local prior = redis.call('HGET', tk, token)
if prior then
  for i = 1, #prior / 8 do
    local raw = redis.call('HGET', P .. 'lease', fp_at(prior, i))
    if raw then
      local rec = cjson.decode(raw)
      if rec.o == worker then out[#out + 1] = rec.h .. '\\n' .. rec.e end
    end
  end
  want = 0
end
local expired = {}
if want > 0 then
  expired = redis.call('ZRANGEBYSCORE', P .. 'leases', '-inf', now, 'LIMIT', 0, 256)
end
for _, fp in ipairs(expired) do
  redis.call('ZREM', P .. 'leases', fp)
  local raw = redis.call('HGET', P .. 'lease', fp)
  if raw then
    local rec = cjson.decode(raw)
    redis.call('HDEL', P .. 'lease', fp)
    if not is_done(fp, shards) then
      redis.call('LPUSH', P .. 'q:' .. rec.h, fp .. rec.e)
      redis.call('HINCRBY', P .. 'c', 'pending', 1)
      reclaimed = reclaimed + 1
    end
    if rec.s == 1 then redis.call('HINCRBY', P .. 'h:' .. rec.h, 'n', -1) end
    fix_host(rec.h, conc)
  end
end
local claimed = {}
local hosts = {}
if want > 0 then
  hosts = redis.call('ZRANGEBYSCORE', P .. 'hosts', '-inf', now, 'LIMIT', 0, want)
end
for _, host in ipairs(hosts) do
  if #out >= want then break end
  local hk = P .. 'h:' .. host
  local h = redis.call('HMGET', hk, 'n', 'nx', 'r', 'ad')
  local n, nx = tonumber(h[1]) or 0, tonumber(h[2]) or 0
  local iv = interval
  if h[3] then iv = 1000 / tonumber(h[3]) end
  if autoStart >= 0 then iv = math.max(iv, tonumber(h[4]) or autoStart) end
  local q = P .. 'q:' .. host
  local popped = 0
  while #out < want and n < conc and nx <= now do
    local item = redis.call('LPOP', q)
    if not item then break end
    popped = popped + 1
    local fp = string.sub(item, 1, 8)
    if not is_done(fp, shards) then
      local e = string.sub(item, 9)
      n = n + 1
      if iv > 0 then nx = math.max(nx, now) + iv end
      redis.call('HSET', P .. 'lease', fp, cjson.encode({o = worker, s = 1, h = host, e = e}))
      redis.call('ZADD', P .. 'leases', now + leaseMs, fp)
      out[#out + 1] = host .. '\\n' .. e
      claimed[#claimed + 1] = fp
    end
  end
  if popped > 0 then redis.call('HINCRBY', P .. 'c', 'pending', -popped) end
  redis.call('HSET', hk, 'n', n, 'nx', nx)
  fix_host(host, conc)
end
if #claimed > 0 then redis.call('HSET', tk, token, table.concat(claimed)) end
if #claimed > 0 or reclaimed > 0 then redis.call('HINCRBY', P .. 'c', 'v', 1) end
local c = redis.call('HMGET', P .. 'c', 'pending', 'accepted', 'settled', 'v')
local hint = -1
if #out == 0 then
  local first = redis.call('ZRANGE', P .. 'hosts', 0, 0, 'WITHSCORES')
  if first[2] and tonumber(first[2]) < BLOCKED then
    hint = math.max(0, tonumber(first[2]) - now)
  end
  local l = redis.call('ZRANGE', P .. 'leases', 0, 0, 'WITHSCORES')
  if l[2] then
    local d = math.max(0, tonumber(l[2]) - now)
    if hint < 0 or d < hint then hint = d end
  end
end
local reply = {tonumber(c[1]) or 0, redis.call('ZCARD', P .. 'leases'),
  math.floor(hint), reclaimed, (tonumber(c[2]) or 0) + (tonumber(c[3]) or 0),
  tonumber(c[4]) or 0}
for _, e in ipairs(out) do reply[#reply + 1] = e end
return reply
`,
);

/**
 * Frees the host slot of a lease held by the worker (the permit's
 * `release()`), keeping the lease itself until the commit.
 *
 * ARGV: prefix, crawl id, worker, per-host concurrency, fingerprint.
 * Returns 1 when a
 * slot was freed. Idempotent (the lease records that its slot is free).
 */
export const RELEASE: Script = script(
  PRELUDE + `
check_crawl()
local worker, conc, fp = ARGV[2], tonumber(ARGV[3]), ARGV[4]
local raw = redis.call('HGET', P .. 'lease', fp)
if not raw then return 0 end
local rec = cjson.decode(raw)
if rec.o ~= worker or rec.s ~= 1 then return 0 end
rec.s = 0
redis.call('HSET', P .. 'lease', fp, cjson.encode(rec))
redis.call('HINCRBY', P .. 'h:' .. rec.h, 'n', -1)
fix_host(rec.h, conc)
return 1
`,
);

/**
 * The worker's heartbeat: records it alive and extends its leases.
 *
 * ARGV: prefix, crawl id, worker, lease (ms), fingerprints (8 bytes each),
 * `0` to renew leases only (in slots other than 0, which keeps the
 * heartbeats). Returns a flag per fingerprint: `1` renewed, `0` no longer
 * held (expired and taken, or committed). Idempotent.
 */
export const RENEW: Script = script(
  PRELUDE + `
check_crawl()
local worker, leaseMs, fps = ARGV[2], tonumber(ARGV[3]), ARGV[4]
local now = now_ms()
if ARGV[5] ~= '0' then redis.call('ZADD', P .. 'beats', now, worker) end
local flags = {}
for i = 1, #fps / 8 do
  local fp = fp_at(fps, i)
  local raw = redis.call('HGET', P .. 'lease', fp)
  if raw and cjson.decode(raw).o == worker then
    redis.call('ZADD', P .. 'leases', 'XX', now + leaseMs, fp)
    flags[i] = '1'
  else
    flags[i] = '0'
  end
end
return table.concat(flags)
`,
);

/** Gives one lease back: its entry, unless done, to the front of its queue. */
const GIVE_ONE = `
local function give_back(fp, rec, conc, shards)
  redis.call('HDEL', P .. 'lease', fp)
  redis.call('ZREM', P .. 'leases', fp)
  local back = 0
  if not is_done(fp, shards) then
    redis.call('LPUSH', P .. 'q:' .. rec.h, fp .. rec.e)
    redis.call('HINCRBY', P .. 'c', 'pending', 1)
    redis.call('HINCRBY', P .. 'c', 'v', 1)
    back = 1
  end
  if rec.s == 1 then redis.call('HINCRBY', P .. 'h:' .. rec.h, 'n', -1) end
  fix_host(rec.h, conc)
  return back
end
`;

/**
 * Gives the worker's leases back (on close): each entry not yet done goes
 * back to the front of its host queue.
 *
 * ARGV: prefix, crawl id, worker, per-host concurrency, shards, fingerprints
 * (8 bytes each). Returns how many went back. Idempotent.
 */
export const GIVE_BACK: Script = script(
  PRELUDE + GIVE_ONE + `
check_crawl()
local worker, conc, shards, fps = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local back = 0
for i = 1, #fps / 8 do
  local fp = fp_at(fps, i)
  local raw = redis.call('HGET', P .. 'lease', fp)
  if raw then
    local rec = cjson.decode(raw)
    if rec.o == worker then back = back + give_back(fp, rec, conc, shards) end
  end
end
return back
`,
);

/**
 * Gives back every lease held by the worker's id (when it starts: leases
 * its id still holds are its last run's, which stopped without giving them
 * back, so they need not wait for their expiry). Worker ids are unique.
 *
 * ARGV: prefix, crawl id, worker, per-host concurrency, shards. Returns how
 * many went back. Idempotent.
 */
export const TAKE_BACK_OWN: Script = script(
  PRELUDE + GIVE_ONE + `
check_crawl()
local worker, conc, shards = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local all = redis.call('HGETALL', P .. 'lease')
local back = 0
for i = 1, #all, 2 do
  local rec = cjson.decode(all[i + 1])
  if rec.o == worker then back = back + give_back(all[i], rec, conc, shards) end
end
return back
`,
);
