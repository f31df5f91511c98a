--[[
  Claims due messages for one node: takes up to ARGV[2] ids due by ARGV[6] off the wheel, earliest
  first, leases each (lease deadline = its due time, or now if later, + the message's timeout + grace)
  and returns what a dispatcher needs, so a claimed batch costs one round trip. ARGV[6] may lie a little
  ahead of now (the wheel's next tick): the dispatcher then holds the message until its due time.

  Gates attach here: queue parallelism and flow-control permits will be taken per claimed message
  inside this script, so that a limit holds across nodes (design.md invariant 4).

  KEYS[1] due sorted set      courier:{s}:due
  KEYS[2] lease sorted set    courier:{s}:lease
  ARGV[1] now, unix ms
  ARGV[2] most messages to claim
  ARGV[3] lease grace, ms
  ARGV[4] lease token (unique per claim; fences the outcome scripts)
  ARGV[5] message key prefix  courier:{s}:msg:
  ARGV[6] claim what is due by this time, unix ms (>= now)
  Returns
    { {id, message, retried, due}, ... }   (message: the binary field 'm'; due: its score, unix ms)
    Ids whose hash is gone (cancelled meanwhile) are dropped silently.
]]
local now = tonumber(ARGV[1])
local grace = tonumber(ARGV[3])
local scored = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[6], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local ids = {}
for i = 1, #scored, 2 do
  ids[#ids + 1] = scored[i]
end
local out = {}
if #ids > 0 then
  redis.call('ZREM', KEYS[1], unpack(ids))
end
for i, id in ipairs(ids) do
  local key = ARGV[5] .. id
  local f = redis.call('HMGET', key, 'm', 'r', 't')
  if f[1] then
    redis.call('HSET', key, 'l', ARGV[4])
    redis.call('ZADD', KEYS[2], math.max(now, tonumber(scored[2 * i])) + tonumber(f[3]) + grace, id)
    out[#out + 1] = {id, f[1], f[2], scored[2 * i]}
  end
end
return out
