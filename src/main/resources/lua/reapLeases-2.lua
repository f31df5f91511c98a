--[[
  Returns messages whose lease expired (their node died or stalled) to the wheel, due now, so that
  another node delivers them (design.md invariant 1). Clearing the lease field fences the old
  holder out: its late outcome write no longer matches. The lost attempt counts as one ('r' + 1): the
  destination may have received it, and a message whose attempts keep taking nodes down must run out
  of retries like any other (the dispatcher dead-letters it, unsent, once 'r' passes its maximum).

  KEYS[1] lease sorted set    courier:{s}:lease
  KEYS[2] due sorted set      courier:{s}:due
  ARGV[1] now, unix ms
  ARGV[2] most leases to reap in this call
  ARGV[3] message key prefix  courier:{s}:msg:
  Returns the number of expired leases handled
]]
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local key = ARGV[3] .. id
  if redis.call('EXISTS', key) == 1 then
    redis.call('HDEL', key, 'l')
    redis.call('HINCRBY', key, 'r', 1)
    redis.call('ZADD', KEYS[2], ARGV[1], id)
  end
end
return #ids
