--[[
  Returns messages whose lease expired (their node died or stalled) to the wheel, due now, so that
  another node delivers them (design.md invariant 1). Removing the lease member fences the old holder
  out: its late outcome write finds nothing to remove. The lost attempt counts as one (retried + 1):
  the destination may have received it, and a message whose attempts keep taking nodes down must run
  out of retries like any other (the dispatcher dead-letters it, unsent, once it passes its maximum).
  A gated message gives its permit back and returns to the head of its gate's ready list: in a
  parallelism-1 queue it is still the next one, not the last.

  KEYS[1] lease sorted set    courier:{s}:lease     members "<id>|<lease token>"
  KEYS[2] due sorted set      courier:{s}:due
  KEYS[3] message hash        courier:{s}:msgs
  KEYS[4] retried hash        courier:{s}:retried
  KEYS[5] gated hash          courier:{s}:gated
  KEYS[6] runnable set        courier:{s}:runnable
  KEYS[7] outbox stream       courier:{s}:events    only while the event log is on (events.lua): the lost
                              attempt's ERROR, and RETRY now
  ARGV[1] now, unix ms
  ARGV[2] most leases to reap in this call
  ARGV[3] gate key prefix     courier:{s}:gate:
  Returns the number of expired leases handled (those of cancelled messages are just dropped)
]]
-- @include gates
-- @include events
local prefix = ARGV[3]
openOutbox(KEYS[7], ARGV[1])
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(members) do
  redis.call('ZREM', KEYS[1], member)
  local bar = string.find(member, '|', 1, true)
  local id = bar and string.sub(member, 1, bar - 1) or member
  local g = redis.call('HGET', KEYS[5], id)
  if redis.call('HEXISTS', KEYS[3], id) == 1 then
    redis.call('HINCRBY', KEYS[4], id, 1)
    logEvent('E', id)
    logDetail('error', 'attempt lost: its lease expired (the node that held it stopped or stalled)')
    logEvent('R', id)
    logDetail('n', ARGV[1])
    if g and redis.call('EXISTS', prefix .. g) == 1 then
      redis.call('SREM', prefix .. g .. ':active', id)
      redis.call('LPUSH', prefix .. g .. ':ready', id)
      considerRunnable(prefix, KEYS[6], g, false)
    else
      -- ungated, or its queue was deleted: the claim drops the latter
      redis.call('ZADD', KEYS[2], ARGV[1], id)
    end
  else
    leaveGate(KEYS[5], prefix, KEYS[6], id)
  end
end
flushEvents()
return #members
