--[[
  Puts a failed message back on the wheel for its next attempt. Fenced by the lease token.

  KEYS[1] lease sorted set    courier:{s}:lease
  KEYS[2] due sorted set      courier:{s}:due
  KEYS[3] message hash        courier:{s}:msg:<id>
  ARGV[1] message id
  ARGV[2] lease token
  ARGV[3] next due time, unix ms
  ARGV[4] attempts made so far (the new Upstash-Retried)
  Returns 1 done, 0 the lease is no longer ours (or the message was cancelled)
]]
if redis.call('HGET', KEYS[3], 'l') ~= ARGV[2] then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[3], 'r', ARGV[4])
redis.call('HDEL', KEYS[3], 'l')
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
