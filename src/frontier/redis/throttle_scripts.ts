/**
 * The Lua scripts of the per-host throttle in Redis. They mirror the policy
 * of `../host_throttle.ts` (which Lua cannot call) on the state every process
 * shares, and take its constants from {@linkcode HOST_THROTTLE}, written into
 * their source here. Keys and helpers are described in `scripts.ts`.
 *
 * @module
 */
import { HOST_THROTTLE } from "../host_throttle.ts";
import { type Script, script } from "./connection.ts";
import { PRELUDE } from "./scripts.ts";

/**
 * Backs off from a host for every process: pauses it for `pause` ms (Redis
 * time) and halves its rate, unless it is paused already (then the pause is
 * only extended): the rule of `HostThrottle.throttle`, with its constants.
 *
 * ARGV: prefix, crawl id, host, pause (ms), default rate (-1: unlimited),
 * per-host concurrency, floor (the rate a timeout halves no lower than; 0 for a
 * 429/503). Returns the new rate, or `""` when the host was already
 * paused. A retry may halve twice: harmless (a lower rate is polite).
 */
export const THROTTLE: Script = script(
  PRELUDE + `
check_crawl()
local host, pause, default, conc = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local now = now_ms()
local hk = P .. 'h:' .. host
local h = redis.call('HMGET', hk, 'pu', 'r')
local pu = tonumber(h[1]) or 0
local untilMs = now + pause
if pu > now then
  if untilMs > pu then
    redis.call('HSET', hk, 'pu', untilMs)
    fix_host(host, conc)
  end
  return ''
end
local cur = tonumber(h[2]) or default
local floor = tonumber(ARGV[6]) or 0
local rate
if cur < 0 then rate = ${HOST_THROTTLE.unlimitedRate} else rate = math.max(cur / 2, ${HOST_THROTTLE.minRate}) end
rate = math.max(rate, floor)
if cur >= 0 then rate = math.min(rate, cur) end
redis.call('HSET', hk, 'pu', untilMs, 'r', tostring(rate))
fix_host(host, conc)
return tostring(rate)
`,
);

/**
 * Lowers a host's rate for every process (never raises it): the rule of
 * `HostThrottle.limit`.
 *
 * ARGV: prefix, crawl id, host, rate, default rate (-1: unlimited). Returns 1 when
 * lowered. Idempotent.
 */
export const LIMIT: Script = script(
  PRELUDE + `
check_crawl()
local host, rate, default = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local hk = P .. 'h:' .. host
local cur = tonumber(redis.call('HGET', hk, 'r')) or default
if cur < 0 or rate < cur then
  redis.call('HSET', hk, 'r', tostring(rate))
  return 1
end
return 0
`,
);

/**
 * Lets a throttled host's rate climb back for every process after one
 * window of good answers (counted by the process that saw them): one step
 * up, to at most `ceiling`; an unlimited host is unlimited again past
 * `liftRate`. The rule of `HostThrottle.answered` and `raisedRate`. Not
 * while the host is paused.
 *
 * ARGV: prefix, crawl id, host, ceiling (-1: unlimited). Returns the new rate
 * (`"inf"`: unlimited), or `""` when nothing changed.
 */
export const RECOVER: Script = script(
  PRELUDE + `
check_crawl()
local host, ceil = ARGV[2], tonumber(ARGV[3])
local hk = P .. 'h:' .. host
local h = redis.call('HMGET', hk, 'r', 'pu')
local r = tonumber(h[1])
if not r or (tonumber(h[2]) or 0) > now_ms() then return '' end
local nr
if ceil < 0 then
  nr = r + ${HOST_THROTTLE.unlimitedRate}
  if nr > ${HOST_THROTTLE.liftRate} then
    redis.call('HDEL', hk, 'r')
    return 'inf'
  end
else
  nr = math.min(r + math.max(ceil * ${HOST_THROTTLE.recoveryStep}, ${HOST_THROTTLE.minRate}), ceil)
end
if nr <= r then return '' end
redis.call('HSET', hk, 'r', tostring(nr))
return tostring(nr)
`,
);

/**
 * Adjusts a host's delay to one answer for every process: the rule of
 * `AutoThrottle.observe` on the delay the processes share (hash field
 * `ad`, ms; absent: the start delay). The claim spaces the host's requests
 * by at least that delay, so about `target` requests are in flight to it
 * across all processes.
 *
 * ARGV: prefix, crawl id, host, latency (ms), status, target concurrency,
 * start delay, shortest delay, longest delay (ms). Returns the new delay,
 * or `""` when it did not change.
 */
export const AUTO_THROTTLE: Script = script(
  PRELUDE + `
check_crawl()
local host, ms, status = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local target, start = tonumber(ARGV[5]), tonumber(ARGV[6])
local lo, hi = tonumber(ARGV[7]), tonumber(ARGV[8])
local function clamp(d) return math.min(math.max(d, lo), hi) end
local hk = P .. 'h:' .. host
local old = clamp(tonumber(redis.call('HGET', hk, 'ad')) or start)
local t = ms / target
local nd = clamp(math.max(t, (old + t) / 2))
if (status < 200 or status >= 300) and nd <= old then return '' end
if nd == old then return '' end
redis.call('HSET', hk, 'ad', tostring(nd))
return tostring(nd)
`,
);
