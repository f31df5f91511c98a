--[[
  Makes sure every node signs with the same key pair: the first node to start seeds it, later ones
  adopt it; keys given explicitly in a node's configuration overwrite it.

  KEYS[1] signing keys hash   courier:keys
  ARGV[1] current key
  ARGV[2] next key
  ARGV[3] '1' = overwrite (keys configured explicitly), '0' = seed only if absent
  Returns {current, next} now in force
]]
if ARGV[3] == '1' or redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'current', ARGV[1], 'next', ARGV[2])
end
return redis.call('HMGET', KEYS[1], 'current', 'next')
