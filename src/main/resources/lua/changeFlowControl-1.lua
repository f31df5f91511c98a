--[[
  Changes a flow-control key (a gate f:<key>) from the API (qstash-api.md §16):
    pin        sets the limits given, marks them pinned (messages no longer change them: the rate and the
               period are pinned together) and resets the rate state (a new window starts now, empty)
    unpin      removes the pin of the parallelism and/or of the rate; the values stay until a message
               changes them
    resetRate  the rate count to 0 and a new window starting now
  Then the gate is runnable if it can start something (a reset window can), else out of the set; a rate
  timer left in due by the old window only makes the claim look at the gate once more.

  KEYS[1] runnable set        courier:{s}:runnable
  ARGV[1] gate key prefix     courier:{s}:gate:
  ARGV[2] gate                f:<key>
  ARGV[3] 'pin', 'unpin' or 'resetRate'
  ARGV[4] pin: parallelism ('' = not given); unpin: '1' to unpin the parallelism
  ARGV[5] pin: rate ('' = not given); unpin: '1' to unpin the rate
  ARGV[6] pin: period, ms ('' = not given)
  ARGV[7] now, unix ms
  Returns 1 done, 0 unknown key
]]
-- @include gates
local gk = ARGV[1] .. ARGV[2]
if redis.call('EXISTS', gk) == 0 then
  return 0
end
local op = ARGV[3]
if op == 'pin' then
  if ARGV[4] ~= '' then
    redis.call('HSET', gk, 'parallelism', ARGV[4], 'pinnedParallelism', '1')
  end
  if ARGV[5] ~= '' or ARGV[6] ~= '' then
    redis.call('HSET', gk, 'pinnedRate', '1')
    if ARGV[5] ~= '' then
      redis.call('HSET', gk, 'rate', ARGV[5])
    end
    if ARGV[6] ~= '' then
      redis.call('HSET', gk, 'period', ARGV[6])
    end
  end
  redis.call('HSET', gk, 'windowStart', ARGV[7], 'windowCount', 0)
elseif op == 'unpin' then
  if ARGV[4] == '1' then
    redis.call('HSET', gk, 'pinnedParallelism', '0')
  end
  if ARGV[5] == '1' then
    redis.call('HSET', gk, 'pinnedRate', '0')
  end
elseif op == 'resetRate' then
  redis.call('HSET', gk, 'windowStart', ARGV[7], 'windowCount', 0)
else
  return redis.error_reply('unknown operation ' .. op)
end
redis.call('HSET', gk, 'updated', ARGV[7])
considerRunnable(ARGV[1], KEYS[1], ARGV[2], true, tonumber(ARGV[7]))
return 1
