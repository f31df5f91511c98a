--[[
  Writes a URL group if nobody changed it since it was read (compare-and-set on its version): the
  group's edits (add or remove endpoints) are computed in Java from what was read, and two nodes editing
  one group at once must not lose each other's change. The loser reads again and retries.

  KEYS[1] the group           courier:{topics}:topic:<name>   hash: v (version), json
  KEYS[2] group names         courier:{topics}:names
  ARGV[1] group name
  ARGV[2] version read ('0' = the group did not exist)
  ARGV[3] the group's new json, '' = delete the group
  Returns 1 written, 0 changed meanwhile (read again)
]]
local v = redis.call('HGET', KEYS[1], 'v') or '0'
if v ~= ARGV[2] then
  return 0
end
if ARGV[3] == '' then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[1])
else
  redis.call('HSET', KEYS[1], 'v', tonumber(v) + 1, 'json', ARGV[3])
  redis.call('SADD', KEYS[2], ARGV[1])
end
return 1
