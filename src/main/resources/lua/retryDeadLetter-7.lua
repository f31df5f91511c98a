--[[
  Takes a dead letter out of the DLQ and stores its new message in the same step (qstash-api.md §11), so
  a retry can neither lose the dead letter nor make two messages of it. The new message (built by the
  node from the dead one, with the retry's overrides) goes on the wheel at its due time; a gated one is
  counted as delayed in its gate and joins the gate's ready list when it falls due, as a delayed message
  does. Its gate is created if it is gone (a queue with parallelism 1, a flow-control key with the
  message's limits), as a publish would create it.

  KEYS[1] dlq sorted set      courier:{s}:dlq
  KEYS[2] dead letter hash    courier:{s}:dlq:<dlqId>
  KEYS[3] message hash        courier:{s}:msgs
  KEYS[4] due sorted set      courier:{s}:due
  KEYS[5] gated hash          courier:{s}:gated
  KEYS[6] queue registry      courier:{s}:gates
  KEYS[7] flow-control keys   courier:{s}:flows
  KEYS[8] outbox stream       courier:{s}:events    only while the event log is on (events.lua): CREATED
  ARGV[1] dlq id
  ARGV[2] the new message's id
  ARGV[3] the new message (stored form)
  ARGV[4] its due time, unix ms
  ARGV[5] its gate ('' = none)
  ARGV[6] its flow-control limits "parallelism,rate,periodMs" ('' = not a flow-control key)
  ARGV[7] gate key prefix     courier:{s}:gate:
  ARGV[8] now, unix ms
  Returns 1 done, 0 the dead letter is gone (retried or deleted meanwhile): nothing stored
]]
-- @include gates
-- @include events
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('DEL', KEYS[2])
local id, gate = ARGV[2], ARGV[5]
redis.call('HSET', KEYS[3], id, ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[4], id)
openOutbox(KEYS[8], ARGV[8])
logEvent('C', id)
logDetail('m', ARGV[3])
flushEvents()
if gate ~= '' then
  local gk = ARGV[7] .. gate
  local now = tonumber(ARGV[8])
  if ARGV[6] ~= '' then
    setFlowLimits(gk, gate, ARGV[6], KEYS[7], KEYS[4], now)
  else
    ensureQueue(gk, gate, KEYS[6], now)
  end
  redis.call('HSET', KEYS[5], id, gate)
  redis.call('HINCRBY', gk, 'delayed', 1)
end
return 1
