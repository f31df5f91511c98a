--[[
  Cancels a pending or in-flight message. An attempt already on the wire, or claimed and held by a
  dispatcher until its due time (up to one wheel tick), still goes out, but its outcome write finds no
  message and changes nothing; it removes the lease member (or the reaper does, once it expires).

  KEYS[1] due sorted set      courier:{s}:due
  KEYS[2] message hash        courier:{s}:msgs
  KEYS[3] retried hash        courier:{s}:retried
  ARGV[1] message id
  Returns 1 cancelled, 0 unknown (never existed, or already delivered, failed or cancelled)
]]
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
