--[[
  Removes idle flow-control keys, one page of the shard's registry per call (SSCAN), so that free-form keys
  (one per tenant, per user, ...) do not pile up until flow-control.max-keys refuses new ones. A key is idle
  when nothing of it is waiting (ready list), in flight (active set) or delayed (its delayed count: delayed
  messages and flow-controlled retries), its rate window has ended, it is neither paused nor pinned (those
  hold an operator's intent), and nothing changed it for ARGV[3] ms. Its next message creates it again with
  that message's limits. Atomic per call, so a message stored meanwhile either sees the key or creates it.

  KEYS[1] flow-control keys   courier:{s}:flows
  KEYS[2] runnable set        courier:{s}:runnable
  KEYS[3] due sorted set      courier:{s}:due        (its rate timer "~f:<key>" goes too)
  ARGV[1] gate key prefix     courier:{s}:gate:
  ARGV[2] now, unix ms
  ARGV[3] idle time, ms
  ARGV[4] SSCAN cursor ('0' to start)
  ARGV[5] SSCAN COUNT
  Returns {next cursor ('0' when the pass is complete), keys removed}
]]
local prefix = ARGV[1]
local now = tonumber(ARGV[2])
local idle = tonumber(ARGV[3])
local page = redis.call('SSCAN', KEYS[1], ARGV[4], 'COUNT', ARGV[5])
local removed = 0
for _, g in ipairs(page[2]) do
  local gk = prefix .. g
  local c = redis.call('HMGET', gk, 'paused', 'pinnedParallelism', 'pinnedRate', 'windowStart', 'period', 'updated',
    'delayed')
  local windowEnded = not c[4] or now >= tonumber(c[4]) + (tonumber(c[5]) or 0)
  if c[1] ~= '1' and c[2] ~= '1' and c[3] ~= '1' and (tonumber(c[7]) or 0) <= 0 and windowEnded
      and now - (tonumber(c[6]) or 0) >= idle
      and redis.call('LLEN', gk .. ':ready') == 0 and redis.call('SCARD', gk .. ':active') == 0 then
    redis.call('DEL', gk, gk .. ':ready', gk .. ':active')
    redis.call('SREM', KEYS[1], g)
    redis.call('ZREM', KEYS[2], g)
    redis.call('ZREM', KEYS[3], '~' .. g)
    removed = removed + 1
  end
end
return {page[1], removed}
