--[[
  Rotates the signing keys: the next key becomes current and a new next key is installed. Receivers
  holding the old current+next keep verifying, since they try both.

  KEYS[1] signing keys hash   courier:keys
  ARGV[1] the new next key
  Returns {current, next} now in force
]]
local nextKey = redis.call('HGET', KEYS[1], 'next')
redis.call('HSET', KEYS[1], 'current', nextKey, 'next', ARGV[1])
return {nextKey, ARGV[1]}
