--[[
  Records delivered messages (the acks of one event-loop turn, one shard): each leaves the lease set
  and the message hash. Fenced by the lease: the ZREM of "<id>|<token>" finds nothing once the lease
  expired (the reaper handed the message to another node), so such a node cannot touch the message.

  KEYS[1] lease sorted set    courier:{s}:lease
  KEYS[2] message hash        courier:{s}:msgs
  KEYS[3] retried hash        courier:{s}:retried
  ARGV[1..] per message, 2 values: id, lease token
  Returns one value per message, in order: 1 done, 0 the lease is no longer ours (or it was cancelled)
]]
local out = {}
local done = {}
for i = 1, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call('ZREM', KEYS[1], id .. '|' .. ARGV[i + 1]) == 1 and redis.call('HDEL', KEYS[2], id) == 1 then
    done[#done + 1] = id
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
if #done > 0 and redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('HDEL', KEYS[3], unpack(done))
end
return out
