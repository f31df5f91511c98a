--[[
  Deletes a gate (a queue) and, in the same step, the messages waiting in its ready list
  (api-decisions.md). Messages of the gate that are not in the list are dealt with as they move: an
  attempt in flight completes and records its outcome, and a delayed message, or a retry, is dropped
  when it falls due (claimDue) or its lease expires (reapLeases), as the gate no longer exists.

  KEYS[1] gate registry       courier:{s}:gates
  KEYS[2] runnable set        courier:{s}:runnable
  KEYS[3] message hash        courier:{s}:msgs
  KEYS[4] retried hash        courier:{s}:retried
  KEYS[5] gated hash          courier:{s}:gated
  KEYS[6] outbox stream       courier:{s}:events    only while the event log is on (events.lua): CANCELED
                              for each message dropped
  ARGV[1] gate key prefix     courier:{s}:gate:
  ARGV[2] gate
  Returns the number of waiting messages dropped, or -1 for an unknown gate
]]
-- @include events
local gk = ARGV[1] .. ARGV[2]
if redis.call('EXISTS', gk) == 0 then
  return -1
end
local dropped = 0
while true do
  local ids = redis.call('LRANGE', gk .. ':ready', 0, 999)
  if #ids == 0 then
    break
  end
  redis.call('HDEL', KEYS[3], unpack(ids))
  openOutbox(KEYS[6], nil)
  for _, id in ipairs(ids) do
    logEvent('X', id)
  end
  flushEvents()
  redis.call('HDEL', KEYS[4], unpack(ids))
  redis.call('HDEL', KEYS[5], unpack(ids))
  redis.call('LTRIM', gk .. ':ready', #ids, -1)
  dropped = dropped + #ids
end
redis.call('DEL', gk, gk .. ':ready', gk .. ':active')
redis.call('SREM', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
return dropped
