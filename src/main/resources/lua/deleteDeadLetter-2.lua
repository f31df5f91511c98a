--[[
  Deletes one dead letter.

  KEYS[1] dlq sorted set      courier:{s}:dlq
  KEYS[2] dead letter hash    courier:{s}:dlq:<dlqId>
  ARGV[1] dlq id
  Returns 1 deleted, 0 unknown
]]
redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('DEL', KEYS[2])
