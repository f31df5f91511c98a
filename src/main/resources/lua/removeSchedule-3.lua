--[[
  Deletes a schedule: from then on no node claims it (the claim checks the due set and the version).
  Messages its fires created are not touched.

  KEYS[1] the schedule        courier:{schedules}:schedule:<id>
  KEYS[2] due schedules       courier:{schedules}:due
  KEYS[3] schedule ids        courier:{schedules}:ids
  ARGV[1] id
  Returns 1 deleted, 0 unknown
]]
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
return redis.call('DEL', KEYS[1])
