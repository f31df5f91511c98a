--[[
  Creates a schedule, or replaces every field of the one with its id (an omitted field is cleared:
  qstash-api.md §5.5), and puts it on the due set at its next fire time. The version goes up on every
  write, so a claim computed from what a node read before the write finds it changed and fires nothing.

  KEYS[1] the schedule        courier:{schedules}:schedule:<id>   hash
  KEYS[2] due schedules       courier:{schedules}:due             id → next fire (ms)
  KEYS[3] schedule ids        courier:{schedules}:ids
  ARGV[1] id
  ARGV[2] most schedules the deployment keeps (schedules.max-schedules)
  ARGV[3] next fire time, unix ms (-1 = never)
  ARGV[4..] the schedule's fields, name then value, except 'rev' and 'paused'
  Returns 1 created, 2 replaced, -1 a new schedule past the quota
]]
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev and redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[2]) then
  return -1
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'rev', (tonumber(rev) or 0) + 1, 'paused', '0', unpack(ARGV, 4))
if tonumber(ARGV[3]) >= 0 then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
redis.call('SADD', KEYS[3], ARGV[1])
if rev then
  return 2
end
return 1
