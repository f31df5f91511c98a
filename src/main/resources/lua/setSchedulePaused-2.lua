--[[
  Pauses or resumes a schedule. A paused schedule leaves the due set, so no node claims it; resuming puts
  it back at its next fire time after now (ticks missed while paused are not fired). A resume computed its
  next fire from the cron of the version it read: if the schedule was replaced since, it reads again.

  KEYS[1] the schedule        courier:{schedules}:schedule:<id>
  KEYS[2] due schedules       courier:{schedules}:due
  ARGV[1] id
  ARGV[2] '1' pause, '0' resume
  ARGV[3] the version read (resume only)
  ARGV[4] next fire time, unix ms, -1 = never (resume only)
  Returns 1 done, 0 unknown schedule, -2 changed since it was read (resume only)
]]
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then
  return 0
end
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'paused', '1', 'rev', tonumber(rev) + 1)
  redis.call('HDEL', KEYS[1], 'next')
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 1
end
if rev ~= ARGV[3] then
  return -2
end
redis.call('HSET', KEYS[1], 'paused', '0', 'rev', tonumber(rev) + 1)
if tonumber(ARGV[4]) >= 0 then
  redis.call('HSET', KEYS[1], 'next', ARGV[4])
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
end
return 1
