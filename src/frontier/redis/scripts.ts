/**
 * The Lua scripts of the Redis frontier store. Each runs atomically in Redis;
 * every one is safe to run again after an unknown outcome (a connection lost
 * before the reply): see each script's notes.
 *
 * Keys (all under the prefix of one of the crawl's slots, `trawl:{NAME}:`
 * or `trawl:{NAME/N}:ID:`, whose hash tag keeps them in one cluster slot;
 * see `slots.ts`). Every script works in one slot and declares that slot's
 * `meta` as its key, so a cluster routes it to the slot's node. What is
 * about a host (its queue, state, leases, dedupe marks, results and
 * counters) is in its host's slot; the crawl's own keys (`meta`'s seeds and
 * settings, `workers`, `beats`, `robots`) are in slot 0:
 *
 * - `meta` (hash): seeds, settings, shards, slots, created, `ready` (every
 *   slot has its `meta`), `id` (the crawl's random id: every script but
 *   `INIT` first checks it against the id the process joined, so a crawl
 *   that Redis lost, or that was started over, stops its processes instead
 *   of being crawled again from scratch). The other slots' `meta` hold the
 *   id alone.
 * - `c` (hash): `accepted` (queued URLs ever, against the budget),
 *   `settled`, `pending` (entries in host queues), `v` (a version, raised
 *   whenever an entry is queued or leased: see `slot_scripts.ts`), and in
 *   slot 0 `budget` (URLs accepted in every slot, with a crawl of several
 *   slots and a budget: see `RESERVE`).
 * - `s:N` (hash, N < shards): the dedupe set. Field: the last 6 bytes of the
 *   URL's 8-byte fingerprint (the first 2 pick the shard); value `0`
 *   (accepted) or `1` (done). Small hashes stay listpack-encoded.
 * - `q:HOST` (list): the host's pending entries, each the 8-byte fingerprint
 *   followed by the entry's JSON.
 * - `hosts` (zset): hosts with pending entries, scored by the Redis time
 *   (ms) they may next be claimed, or {@linkcode BLOCKED} while all their
 *   slots are leased.
 * - `h:HOST` (hash): `n` slots in use, `nx` next request time (ms, the
 *   token bucket with a burst of 1), `pu` paused until (ms), `r` lowered
 *   rate (requests per second). When the host has nothing queued and no
 *   slot in use the key goes: at once, or when `nx`/`pu` pass (it expires
 *   then); a host with a lowered rate keeps it.
 * - `hb` (hash) host → URLs admitted, against `maxPagesPerHost`; `qv`
 *   (hash) 8-byte fingerprint of a host and path → query variants admitted,
 *   against `maxQueryVariants`: the spider-trap counts every process shares.
 * - `lease` (hash) fingerprint → `{o: worker, s: holds a slot, h: host,
 *   e: entry JSON}`; `leases` (zset) fingerprint → expiry (ms).
 * - `stats` (hash): shared counters (`done`, `bytes`, `errors`, `retries`,
 *   `c:2xx`, `k:REASON`, `e:NAME`, `w:WORKER`).
 * - `hostdone`, `hostfailed` (hashes): results per host, and those with an
 *   error or an HTTP status of 400 or more.
 * - `workers` (hash) worker → JSON registration; `beats` (zset) worker →
 *   last heartbeat (ms).
 * - `out:WORKER` (hash) fingerprint → result JSON: results committed but not
 *   yet acknowledged as written (the outbox).
 * - `w:WORKER:tok` (hash) token → reply: makes a retried commit or claim
 *   return the first run's reply.
 * - `robots` (hash) origin → robots record JSON.
 *
 * Time is Redis's own (`TIME`), one clock for every process and machine.
 *
 * Every script takes the key prefix and the crawl's id as `ARGV[1]` and
 * `ARGV[2]`; the prelude takes the id out, so the scripts' own arguments
 * start at `ARGV[2]`.
 *
 * The lease scripts are in `lease_scripts.ts`, the throttle scripts in
 * `throttle_scripts.ts`.
 *
 * @module
 */

import { CRAWL_LOST } from "./classify.ts";
import { type Script, script } from "./connection.ts";

/** The `hosts` score of a host whose slots are all leased. */
export const BLOCKED = 1e15;

/**
 * The helpers every script starts with: `P` is the key prefix (`ARGV[1]`),
 * `ID` the crawl's id (`ARGV[2]`, taken out of `ARGV`).
 */
export const PRELUDE = `
local P = ARGV[1]
local ID = table.remove(ARGV, 2)
local BLOCKED = ${BLOCKED}
local function check_crawl()
  local id = redis.call('HGET', P .. 'meta', 'id')
  if id ~= ID then
    error({err = '${CRAWL_LOST} ' .. (id and 'replaced' or 'gone')})
  end
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function seen_key(fp, shards)
  local s = (string.byte(fp, 1) * 256 + string.byte(fp, 2)) % shards
  return P .. 's:' .. s, string.sub(fp, 3, 8)
end
local function is_done(fp, shards)
  local k, f = seen_key(fp, shards)
  return redis.call('HGET', k, f) == '1'
end
local function fix_host(host, conc)
  local hk = P .. 'h:' .. host
  if redis.call('LLEN', P .. 'q:' .. host) == 0 then
    redis.call('ZREM', P .. 'hosts', host)
    local h = redis.call('HMGET', hk, 'n', 'nx', 'pu', 'r')
    if (tonumber(h[1]) or 0) <= 0 and not h[4] then
      local t = math.max(tonumber(h[2]) or 0, tonumber(h[3]) or 0)
      if t > now_ms() then
        redis.call('PEXPIREAT', hk, math.ceil(t))
      else
        redis.call('DEL', hk)
      end
    end
    return
  end
  redis.call('PERSIST', hk)
  local h = redis.call('HMGET', hk, 'n', 'nx', 'pu')
  if (tonumber(h[1]) or 0) >= conc then
    redis.call('ZADD', P .. 'hosts', BLOCKED, host)
  else
    local t = math.max(tonumber(h[2]) or 0, tonumber(h[3]) or 0)
    redis.call('ZADD', P .. 'hosts', t, host)
  end
end
local function fp_at(fps, i)
  return string.sub(fps, i * 8 - 7, i * 8)
end
`;

/**
 * Creates the crawl's metadata unless it exists; returns it either way.
 *
 * ARGV: prefix, an id (the crawl's if it is created), seeds JSON, settings
 * JSON, shards, how: `create` (create the crawl if it does not exist),
 * `must` (fail with the crawl-lost error instead of creating it) or `await`
 * (join the crawl with this id, which another process is starting over:
 * `WAIT` while it is not there yet, `RETRY` when that process's claim
 * expired without it), slots. Returns `[seeds, settings, shards, created,
 * createdNow, id, slots, ready]` (a crawl made before slots existed has
 * one, ready). Re-running is harmless.
 */
export const INIT: Script = script(
  PRELUDE + `
local how = ARGV[5]
local m = redis.call('HMGET', P .. 'meta', 'seeds', 'settings', 'shards', 'created', 'id',
  'slots', 'ready')
if how == 'await' and (not m[3] or m[5] ~= ID) then
  if redis.call('EXISTS', string.sub(P, 1, -2) .. '!fresh') == 1 then
    return 'WAIT'
  end
  return 'RETRY'
end
if m[3] then
  if not m[5] then
    redis.call('HSET', P .. 'meta', 'id', ID)
    m[5] = ID
  end
  local slots = m[6] or '1'
  return {m[1], m[2], m[3], m[4], 0, m[5], slots, (slots == '1' or m[7]) and 1 or 0}
end
if how == 'must' then error({err = '${CRAWL_LOST} missing'}) end
local now = now_ms()
local slots = ARGV[6] or '1'
redis.call('HSET', P .. 'meta', 'seeds', ARGV[2], 'settings', ARGV[3],
  'shards', ARGV[4], 'created', now, 'version', 1, 'id', ID, 'slots', slots)
return {ARGV[2], ARGV[3], ARGV[4], tostring(now), 1, ID, slots, slots == '1' and 1 or 0}
`,
);

/**
 * Claims the start-over of a crawl (mode `fresh`) for a while: the first
 * process to ask drops the crawl and creates it again with its id; the
 * others started within `window` ms join that new crawl instead of dropping
 * it in turn. The claim is kept in `trawl:{NAME}!fresh`, outside the crawl's
 * keys.
 *
 * ARGV: prefix, this process's id for the new crawl, window (ms). Returns
 * the id of the process that starts the crawl over (this one's when it is
 * to).
 */
export const FRESH: Script = script(
  PRELUDE + `
local mark = string.sub(P, 1, -2) .. '!fresh'
local owner = redis.call('GET', mark)
if owner then return owner end
redis.call('SET', mark, ID, 'PX', ARGV[2])
return ID
`,
);

/**
 * Commits a finished page with what it found and settled (see
 * `FrontierBatch`).
 *
 * ARGV: prefix, crawl id, worker, token, received tokens (comma-separated),
 * shards, max accepted (-1: none), per-host concurrency, outbox (`1`/`0`),
 * fingerprints (8 bytes each: page, found, settled), page count (0/1), found
 * count, settled count, URLs per host (-1: no limit), query variants per
 * path (-1: no limit), found URLs this commit may accept at most (-1: no
 * limit; the crawl's share of the budget reserved by `RESERVE` when it has
 * several slots); then the page's result JSON, host and stat line;
 * each found entry's host, entry JSON, variant key (the 8-byte fingerprint
 * of its host and path when it has a query, else empty) and the JSON of its
 * result should a shared limit refuse it, without its closing brace (empty
 * when no limit applies); each settled result's JSON, host and stat line. A
 * stat line is `class|skipped|error name|bytes|retries`.
 *
 * A found URL not seen before and within the budget is refused when its
 * host has had its URLs, or its path its query variants: it is then
 * settled with `skipped` `budget` or `query-variants`. The hosts' counts
 * also take in newly settled `extension` results, as the crawler's own
 * spider-trap guard does.
 *
 * Returns `FLAGS;ACCEPTED;PENDING;REFUSED;ADDED`: one flag per page and
 * settled result (`1`: this commit won it and it is to be emitted), the
 * URLs accepted so far (queued and settled), the entries pending, one flag
 * per found URL (`b` refused by the host's budget, `q` by the query
 * variants, `0` otherwise; empty without limits), and how many found URLs
 * this commit queued.
 *
 * Idempotent: the reply is stored under the commit's token, and a repeated
 * token returns it without doing anything again. The caller lists the tokens
 * whose reply it received, so they are dropped.
 */
export const COMMIT: Script = script(
  PRELUDE + `
check_crawl()
local worker, token = ARGV[2], ARGV[3]
local tk = P .. 'w:' .. worker .. ':tok'
for t in string.gmatch(ARGV[4], '[^,]+') do redis.call('HDEL', tk, t) end
local prior = redis.call('HGET', tk, token)
if prior then return prior end
local shards, max, conc = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local outbox = ARGV[8] == '1'
local fps = ARGV[9]
local np, nf, ns = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])
local perHost, variants, cap = tonumber(ARGV[13]), tonumber(ARGV[14]), tonumber(ARGV[15])
local a, idx = 16, 0
local flags, refused, touched = {}, {}, {}
local function count(res, host, desc, fp)
  local cls, skipped, err, bytes, retries =
    string.match(desc, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
  local st = P .. 'stats'
  redis.call('HINCRBY', st, 'done', 1)
  redis.call('HINCRBY', st, 'w:' .. worker, 1)
  if cls ~= '' then redis.call('HINCRBY', st, 'c:' .. cls, 1) end
  if skipped ~= '' then redis.call('HINCRBY', st, 'k:' .. skipped, 1) end
  if err ~= '' then
    redis.call('HINCRBY', st, 'errors', 1)
    redis.call('HINCRBY', st, 'e:' .. err, 1)
  end
  if tonumber(bytes) > 0 then redis.call('HINCRBY', st, 'bytes', bytes) end
  if tonumber(retries) > 0 then redis.call('HINCRBY', st, 'retries', retries) end
  redis.call('HINCRBY', P .. 'hostdone', host, 1)
  if err ~= '' or string.sub(cls, 1, 1) >= '4' then
    redis.call('HINCRBY', P .. 'hostfailed', host, 1)
  end
  if outbox then redis.call('HSET', P .. 'out:' .. worker, fp, res) end
  return skipped
end
-- Why a shared spider-trap limit refuses a new URL, or nil (then counted).
local function refusal(host, vk)
  if perHost >= 0 and (tonumber(redis.call('HGET', P .. 'hb', host)) or 0) >= perHost then
    return 'budget'
  end
  if vk ~= '' and variants >= 0 and
    (tonumber(redis.call('HGET', P .. 'qv', vk)) or 0) >= variants then
    return 'query-variants'
  end
  if perHost >= 0 then redis.call('HINCRBY', P .. 'hb', host, 1) end
  if vk ~= '' and variants >= 0 then redis.call('HINCRBY', P .. 'qv', vk, 1) end
  return nil
end
if np == 1 then
  idx = idx + 1
  local fp = fp_at(fps, idx)
  local res, host, desc = ARGV[a], ARGV[a + 1], ARGV[a + 2]
  a = a + 3
  local k, f = seen_key(fp, shards)
  if redis.call('HGET', k, f) ~= '1' then
    redis.call('HSET', k, f, 1)
    count(res, host, desc, fp)
    flags[#flags + 1] = '1'
  else
    flags[#flags + 1] = '0'
  end
  local raw = redis.call('HGET', P .. 'lease', fp)
  if raw then
    local rec = cjson.decode(raw)
    redis.call('HDEL', P .. 'lease', fp)
    redis.call('ZREM', P .. 'leases', fp)
    if rec.s == 1 then redis.call('HINCRBY', P .. 'h:' .. rec.h, 'n', -1) end
    touched[rec.h] = true
  end
end
local c = redis.call('HMGET', P .. 'c', 'accepted', 'settled')
local accepted, settled = tonumber(c[1]) or 0, tonumber(c[2]) or 0
local added, newSettled = 0, 0
local limited = perHost >= 0 or variants >= 0
for i = 1, nf do
  idx = idx + 1
  local fp = fp_at(fps, idx)
  local host, e, vk, skip = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  a = a + 4
  local k, f = seen_key(fp, shards)
  local why = nil
  if (max < 0 or accepted < max) and (cap < 0 or added < cap) and
    redis.call('HEXISTS', k, f) == 0 then
    if limited and skip ~= '' then why = refusal(host, vk) end
    if why then
      redis.call('HSET', k, f, 1)
      count(skip .. ',"skipped":"' .. why .. '"}', host, '|' .. why .. '||0|0', fp)
      newSettled = newSettled + 1
    else
      redis.call('HSET', k, f, 0)
      redis.call('RPUSH', P .. 'q:' .. host, fp .. e)
      accepted = accepted + 1
      added = added + 1
      touched[host] = true
    end
  end
  if limited then refused[i] = why and string.sub(why, 1, 1) or '0' end
end
for i = 1, ns do
  idx = idx + 1
  local fp = fp_at(fps, idx)
  local res, host, desc = ARGV[a], ARGV[a + 1], ARGV[a + 2]
  a = a + 3
  local k, f = seen_key(fp, shards)
  if redis.call('HEXISTS', k, f) == 0 then
    redis.call('HSET', k, f, 1)
    if count(res, host, desc, fp) == 'extension' and perHost >= 0 then
      redis.call('HINCRBY', P .. 'hb', host, 1)
    end
    newSettled = newSettled + 1
    flags[#flags + 1] = '1'
  else
    flags[#flags + 1] = '0'
  end
end
if added > 0 then
  redis.call('HINCRBY', P .. 'c', 'accepted', added)
  redis.call('HINCRBY', P .. 'c', 'pending', added)
  redis.call('HINCRBY', P .. 'c', 'v', 1)
end
if newSettled > 0 then redis.call('HINCRBY', P .. 'c', 'settled', newSettled) end
for host in pairs(touched) do fix_host(host, conc) end
local pending = tonumber(redis.call('HGET', P .. 'c', 'pending')) or 0
local reply = table.concat(flags) .. ';' .. (accepted + settled + newSettled) ..
  ';' .. pending .. ';' .. table.concat(refused) .. ';' .. added
redis.call('HSET', tk, token, reply)
return reply
`,
);

/**
 * Moves a dead worker's unacknowledged results into another worker's outbox.
 *
 * ARGV: prefix, crawl id, dead worker, adopting worker. Returns the results moved (as
 * JSON). Idempotent.
 */
export const ADOPT: Script = script(
  PRELUDE + `
check_crawl()
local from, to = P .. 'out:' .. ARGV[2], P .. 'out:' .. ARGV[3]
local all = redis.call('HGETALL', from)
local out = {}
for i = 1, #all, 2 do
  redis.call('HSET', to, all[i], all[i + 1])
  out[#out + 1] = all[i + 1]
end
redis.call('DEL', from)
return out
`,
);
