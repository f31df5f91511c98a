--[[
  Returns messages whose lease expired (their node died or stalled) to the wheel, due now, so that
  another node delivers them (design.md invariant 1). Removing the lease member fences the old holder
  out: its late outcome write finds nothing to remove. The lost attempt counts as one (retried + 1):
  the destination may have received it, and a message whose attempts keep taking nodes down must run
  out of retries like any other (the dispatcher dead-letters it, unsent, once it passes its maximum).

  KEYS[1] lease sorted set    courier:{s}:lease     members "<id>|<lease token>"
  KEYS[2] due sorted set      courier:{s}:due
  KEYS[3] message hash        courier:{s}:msgs
  KEYS[4] retried hash        courier:{s}:retried
  ARGV[1] now, unix ms
  ARGV[2] most leases to reap in this call
  Returns the number of expired leases handled (those of cancelled messages are just dropped)
]]
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(members) do
  redis.call('ZREM', KEYS[1], member)
  local bar = string.find(member, '|', 1, true)
  local id = bar and string.sub(member, 1, bar - 1) or member
  if redis.call('HEXISTS', KEYS[3], id) == 1 then
    redis.call('HINCRBY', KEYS[4], id, 1)
    redis.call('ZADD', KEYS[2], ARGV[1], id)
  end
end
return #members
