--[[
  Puts a failed message back on the wheel for its next attempt. Fenced by the lease (see ackDelivered).

  KEYS[1] lease sorted set    courier:{s}:lease
  KEYS[2] due sorted set      courier:{s}:due
  KEYS[3] message hash        courier:{s}:msgs
  KEYS[4] retried hash        courier:{s}:retried
  ARGV[1] message id
  ARGV[2] lease token
  ARGV[3] next due time, unix ms
  ARGV[4] attempts made so far (the new Upstash-Retried)
  Returns 1 done, 0 the lease is no longer ours (or the message was cancelled)
]]
if redis.call('ZREM', KEYS[1], ARGV[1] .. '|' .. ARGV[2]) == 0 then
  return 0
end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 then
  redis.call('HDEL', KEYS[4], ARGV[1])
  return 0
end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
