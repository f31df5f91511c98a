--[[
  Cancels a pending or in-flight message. An attempt already on the wire, or claimed and held by a
  dispatcher until its due time (up to one wheel tick), still goes out, but its outcome write finds no
  message and changes nothing; it removes the lease member (or the reaper does, once it expires). A
  gated message leaves its gate's ready list; the permit it held is released now if it was waiting for
  a retry, and by the attempt's outcome (or the reaper) if the attempt is in flight, so that a
  parallelism-1 queue never has two attempts in flight.

  KEYS[1] due sorted set      courier:{s}:due
  KEYS[2] message hash        courier:{s}:msgs
  KEYS[3] retried hash        courier:{s}:retried
  KEYS[4] gated hash          courier:{s}:gated
  KEYS[5] runnable set        courier:{s}:runnable
  KEYS[6] outbox stream       courier:{s}:events    only while the event log is on (events.lua):
                              CANCEL_REQUESTED and CANCELED, both now: the message is gone at once
  ARGV[1] message id
  ARGV[2] gate key prefix     courier:{s}:gate:
  Returns 1 cancelled, 0 unknown (never existed, or already delivered, failed or cancelled)
]]
-- @include gates
-- @include events
local id = ARGV[1]
if redis.call('HDEL', KEYS[2], id) == 0 then
  return 0
end
openOutbox(KEYS[6], nil)
logEvent('Q', id)
logEvent('X', id)
flushEvents()
local timer = redis.call('ZREM', KEYS[1], id)
redis.call('HDEL', KEYS[3], id)
local g = redis.call('HGET', KEYS[4], id)
if g then
  local gk = ARGV[2] .. g
  local ready = redis.call('LREM', gk .. ':ready', 1, id)
  local holds = ready == 0 and redis.call('SISMEMBER', gk .. ':active', id) == 1
  if holds and timer == 0 then
    return 1 -- in flight: its outcome releases the permit
  end
  if timer == 1 and not holds and redis.call('EXISTS', gk) == 1 then
    redis.call('HINCRBY', gk, 'delayed', -1) -- it was waiting for its delay
  end
  leaveGate(KEYS[4], ARGV[2], KEYS[5], id)
end
return 1
