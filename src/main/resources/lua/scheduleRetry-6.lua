--[[
  Puts a failed message back on the wheel for its next attempt. Fenced by the lease (see ackDelivered).
  A gated message keeps its permit while it waits (a parallelism-1 queue stays FIFO through retries);
  a gated message cancelled during its attempt leaves its gate here.

  KEYS[1] lease sorted set    courier:{s}:lease
  KEYS[2] due sorted set      courier:{s}:due
  KEYS[3] message hash        courier:{s}:msgs
  KEYS[4] retried hash        courier:{s}:retried
  KEYS[5] gated hash          courier:{s}:gated
  KEYS[6] runnable set        courier:{s}:runnable
  ARGV[1] message id
  ARGV[2] lease token
  ARGV[3] next due time, unix ms
  ARGV[4] attempts made so far (the new Upstash-Retried)
  ARGV[5] gate key prefix     courier:{s}:gate:
  Returns 1 done, 0 the lease is no longer ours (or the message was cancelled; 2 if that freed a permit
  on a gate with ready work)
]]
-- @include gates
if redis.call('ZREM', KEYS[1], ARGV[1] .. '|' .. ARGV[2]) == 0 then
  return 0
end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 then
  redis.call('HDEL', KEYS[4], ARGV[1])
  return 2 * leaveGate(KEYS[5], ARGV[5], KEYS[6], ARGV[1])
end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
