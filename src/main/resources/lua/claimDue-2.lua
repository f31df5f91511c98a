--[[
  Claims due messages for one node: takes up to ARGV[2] ids due by now off the wheel, leases each
  (lease deadline = now + the message's timeout + grace) and returns what a dispatcher needs, so a
  claimed batch costs one round trip.

  Gates attach here: queue parallelism and flow-control permits will be taken per claimed message
  inside this script, so that a limit holds across nodes (design.md invariant 4).

  KEYS[1] due sorted set      courier:{s}:due
  KEYS[2] lease sorted set    courier:{s}:lease
  ARGV[1] now, unix ms
  ARGV[2] most messages to claim
  ARGV[3] lease grace, ms
  ARGV[4] lease token (unique per claim; fences the outcome scripts)
  ARGV[5] message key prefix  courier:{s}:msg:
  Returns
    { {id, message, retried}, ... }   (message: the binary field 'm')
    Ids whose hash is gone (cancelled meanwhile) are dropped silently.
]]
local now = tonumber(ARGV[1])
local grace = tonumber(ARGV[3])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
if #ids > 0 then
  redis.call('ZREM', KEYS[1], unpack(ids))
end
for _, id in ipairs(ids) do
  local key = ARGV[5] .. id
  local f = redis.call('HMGET', key, 'm', 'r', 't')
  if f[1] then
    redis.call('HSET', key, 'l', ARGV[4])
    redis.call('ZADD', KEYS[2], now + tonumber(f[3]) + grace, id)
    out[#out + 1] = {id, f[1], f[2]}
  end
end
return out
