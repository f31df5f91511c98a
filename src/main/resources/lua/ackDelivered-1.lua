--[[
  Records delivered messages (the acks of one event-loop turn, one shard): each leaves the lease set
  and its hash is deleted. Fenced by the lease token, so a node whose lease expired (and was handed
  to another node) cannot touch the message. Message keys share KEYS[1]'s hash tag.

  KEYS[1] lease sorted set    courier:{s}:lease
  ARGV[1] message key prefix  courier:{s}:msg:
  ARGV[2..] per message, 2 values: id, lease token
  Returns one value per message, in order: 1 done, 0 the lease is no longer ours (or it was cancelled)
]]
local out = {}
for i = 2, #ARGV, 2 do
  local key = ARGV[1] .. ARGV[i]
  if redis.call('HGET', key, 'l') == ARGV[i + 1] then
    redis.call('ZREM', KEYS[1], ARGV[i])
    redis.call('DEL', key)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
