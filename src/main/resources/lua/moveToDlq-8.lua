--[[
  Moves a message whose retries are exhausted (or that got a non-retryable 489) to the dead-letter
  queue with its last response: the message leaves the shard's hash for a hash of its own, and a gated
  one leaves its gate, giving its permit back. Fenced by the lease (see ackDelivered). Also drops a
  bounded number of dead letters older than the retention.

  KEYS[1] lease sorted set    courier:{s}:lease
  KEYS[2] message hash        courier:{s}:msgs
  KEYS[3] retried hash        courier:{s}:retried
  KEYS[4] dlq sorted set      courier:{s}:dlq
  KEYS[5] dead letter hash    courier:{s}:dlq:<dlqId>
  KEYS[6] gated hash          courier:{s}:gated
  KEYS[7] runnable set        courier:{s}:runnable
  KEYS[8] due sorted set      courier:{s}:due
  KEYS[9] outbox stream       courier:{s}:events    only while the event log is on (events.lua): ERROR with
                              the response, FAILED, the callbacks' CREATED
  ARGV[1] message id
  ARGV[2] lease token
  ARGV[3] dlq id
  ARGV[4] now, unix ms
  ARGV[5] retries made (attempts - 1)
  ARGV[6] retention cut-off, unix ms: dead letters that failed before it are deleted
  ARGV[7] dead letter key prefix  courier:{s}:dlq:
  ARGV[8] gate key prefix         courier:{s}:gate:
  ARGV[9]  c, the number of callback messages (the callback and the failure callback of this attempt)
  ARGV[10 .. 9+5c] those messages, five values each (id, stored message, due time, lease deadline or '',
           lease token or ''), stored here (callbacks.lua); a queued message's permit passes to them
  ARGV[10+5c ..] field, value pairs of the last response (status, headers, body, error)
  Returns 1 done (3 if that freed a permit on a gate with ready work), 0 the lease is no longer ours
  (or the message was cancelled; 2 if that freed such a permit)
]]
-- @include gates
-- @include events
-- @include callbacks
-- @include dlq
if redis.call('ZREM', KEYS[1], ARGV[1] .. '|' .. ARGV[2]) == 0 then
  return 0
end
local lastCb = 9 + 5 * tonumber(ARGV[9])
local m = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if not m then
  return 2 * leaveGate(KEYS[6], ARGV[8], KEYS[7], ARGV[1]) -- cancelled during its attempt: no callbacks
end
openOutbox(KEYS[9], ARGV[4])
logEvent('E', ARGV[1])
for i = lastCb + 1, #ARGV, 2 do
  logDetail(ARGV[i], ARGV[i + 1])
end
logEvent('F', ARGV[1])
local woke = leaveGateForCallbacks(KEYS[2], KEYS[8], KEYS[1], KEYS[6], ARGV[8], KEYS[7], ARGV[1], ARGV, 10,
  lastCb) > 0 and 2 or 0
flushCallbacks(KEYS[2], KEYS[8], KEYS[1])
flushEvents()
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[5], 'm', m, 'id', ARGV[1], 'dlqId', ARGV[3], 'failed', ARGV[4], 'r', ARGV[5])
if #ARGV > lastCb then
  redis.call('HSET', KEYS[5], unpack(ARGV, lastCb + 1))
end
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
trimExpired(KEYS[4], ARGV[7], ARGV[6], 100)
return 1 + woke
