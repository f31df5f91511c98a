--[[
  Claims one fire of a schedule: moves it from the fire time a node read to its next fire time, in one
  step. The claim is keyed by the schedule, its version and that fire time: of several nodes that read
  the same due schedule, one moves it and the others find it moved; a node that stalled and wakes late
  finds it moved too, so a tick fires once. The next fire is computed by the node from the cron (after
  both the fire time and now), so ticks missed while every node was down fire once, not once each.

  KEYS[1] the schedule        courier:{schedules}:schedule:<id>
  KEYS[2] due schedules       courier:{schedules}:due
  ARGV[1] id
  ARGV[2] the fire time read from the due set, unix ms
  ARGV[3] the version read
  ARGV[4] next fire time, unix ms (-1 = never again)
  Returns 1 claimed (the caller publishes the fire), 0 not (fired by another node, changed, paused or deleted)
]]
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then
  return 0
end
if redis.call('HGET', KEYS[1], 'rev') ~= ARGV[3] then
  return 0
end
if tonumber(ARGV[4]) >= 0 then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
  redis.call('HSET', KEYS[1], 'last', ARGV[2], 'next', ARGV[4])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('HSET', KEYS[1], 'last', ARGV[2])
  redis.call('HDEL', KEYS[1], 'next')
end
redis.call('HDEL', KEYS[1], 'lastIds')
return 1
