--[[
  Records the messages a claimed fire published (lastScheduleStates), unless the schedule was deleted,
  replaced or fired again since: a late record must not recreate a deleted schedule's hash or overwrite a
  newer fire's.

  KEYS[1] the schedule        courier:{schedules}:schedule:<id>
  ARGV[1] the fire time claimed, unix ms
  ARGV[2] the message ids, comma-separated ('' = the publish failed)
  Returns 1 recorded, 0 not
]]
if redis.call('HGET', KEYS[1], 'last') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'lastIds', ARGV[2])
return 1
