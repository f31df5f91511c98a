--[[
  The dead-letter queue's retention: included by the scripts that trim it (moveToDlq trims a little at each new
  dead letter, trimDeadLetters in the background), never copied.
]]

-- Deletes at most `most` dead letters that failed before `cutoff` (unix ms), the oldest first; how many.
local function trimExpired(dlq, prefix, cutoff, most)
  local expired = redis.call('ZRANGEBYSCORE', dlq, '-inf', '(' .. cutoff, 'LIMIT', 0, most)
  for _, d in ipairs(expired) do
    redis.call('DEL', prefix .. d)
  end
  if #expired > 0 then
    redis.call('ZREM', dlq, unpack(expired))
  end
  return #expired
end
