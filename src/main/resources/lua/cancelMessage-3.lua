--[[
  Cancels a pending or in-flight message. An attempt already on the wire, or claimed and held by a
  dispatcher until its due time (up to one wheel tick), still goes out, but its outcome write finds no
  lease and changes nothing.

  KEYS[1] due sorted set      courier:{s}:due
  KEYS[2] lease sorted set    courier:{s}:lease
  KEYS[3] message hash        courier:{s}:msg:<id>
  ARGV[1] message id
  Returns 1 cancelled, 0 unknown (never existed, or already delivered, failed or cancelled)
]]
if redis.call('EXISTS', KEYS[3]) == 0 then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
return 1
