--[[
  Creates or changes a gate (a queue): its parallelism and whether it is paused. Raising the
  parallelism or resuming makes the gate runnable again if it has ready work; pausing takes it out of
  the runnable set, so a paused queue costs the claim nothing.

  KEYS[1] gate registry       courier:{s}:gates
  KEYS[2] runnable set        courier:{s}:runnable
  ARGV[1] gate key prefix     courier:{s}:gate:
  ARGV[2] gate
  ARGV[3] parallelism, '' = keep (1 for a new gate)
  ARGV[4] paused '1' / '0', '' = keep (not paused for a new gate)
  ARGV[5] now, unix ms
  ARGV[6] '1' = create if absent, '0' = only change an existing gate
  Returns 1 done, 0 unknown gate (ARGV[6] = '0')
]]
-- @include gates
local gk = ARGV[1] .. ARGV[2]
if redis.call('EXISTS', gk) == 0 then
  if ARGV[6] ~= '1' then
    return 0
  end
  redis.call('HSET', gk, 'parallelism', 1, 'paused', '0', 'created', ARGV[5], 'delayed', 0)
  redis.call('SADD', KEYS[1], ARGV[2])
end
if ARGV[3] ~= '' then
  redis.call('HSET', gk, 'parallelism', ARGV[3])
end
if ARGV[4] ~= '' then
  redis.call('HSET', gk, 'paused', ARGV[4])
end
redis.call('HSET', gk, 'updated', ARGV[5])
-- a full check (pausing or lowering the parallelism can take the gate out), to the back of the set
considerRunnable(ARGV[1], KEYS[2], ARGV[2], true)
return 1
