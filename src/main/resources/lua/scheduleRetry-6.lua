--[[
  Puts a failed message back on the wheel for its next attempt. Fenced by the lease (see ackDelivered).
  A queued message keeps its permit while it waits (a parallelism-1 queue stays FIFO through retries); a
  flow-controlled one (ARGV[6] = '1') gives it back (backOnWheel in gates.lua, api-decisions.md). A gated
  message cancelled during its attempt leaves its gate here.

  KEYS[1] lease sorted set    courier:{s}:lease
  KEYS[2] due sorted set      courier:{s}:due
  KEYS[3] message hash        courier:{s}:msgs
  KEYS[4] retried hash        courier:{s}:retried
  KEYS[5] gated hash          courier:{s}:gated
  KEYS[6] runnable set        courier:{s}:runnable
  KEYS[7] outbox stream       courier:{s}:events    only while the event log is on (events.lua): ERROR with
                              the response, RETRY with the next delivery time, the callbacks' CREATED
  ARGV[1] message id
  ARGV[2] lease token
  ARGV[3] next due time, unix ms
  ARGV[4] attempts made so far (the new Upstash-Retried)
  ARGV[5] gate key prefix     courier:{s}:gate:
  ARGV[6] '1' when the message is flow-controlled, '0' when not
  ARGV[7] c, the number of the attempt's callback messages
  ARGV[8 .. 7+5c] those messages, five values each (id, stored message, due time, lease deadline or '', lease
            token or ''), stored here (callbacks.lua); none for a cancelled message
  ARGV[8+5c ..] field, value pairs of the attempt's response (rstatus, rhdr, rbody or error), for the ERROR
            event; passed only while the event log is on
  Returns 1 done (3 if that freed a permit on a gate with ready work), 0 the lease is no longer ours (or
  the message was cancelled; 2 if that freed such a permit)
]]
-- @include gates
-- @include events
-- @include callbacks
local ended = endLease(KEYS[1], KEYS[3], KEYS[4], KEYS[5], ARGV[5], KEYS[6], ARGV[1], ARGV[2])
if ended then
  return ended
end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[4])
local lastCb = 7 + 5 * tonumber(ARGV[7])
openOutbox(KEYS[7], nil)
logEvent('E', ARGV[1])
for i = lastCb + 1, #ARGV, 2 do
  logDetail(ARGV[i], ARGV[i + 1])
end
logEvent('R', ARGV[1])
logDetail('n', ARGV[3])
storeCallbacks(KEYS[3], KEYS[2], KEYS[1], KEYS[5], ARGV[5], ARGV, 8, lastCb, nil)
flushCallbacks(KEYS[3], KEYS[2], KEYS[1])
flushEvents()
return backOnWheel(KEYS[2], KEYS[5], ARGV[5], KEYS[6], ARGV[1], ARGV[3], ARGV[6])
