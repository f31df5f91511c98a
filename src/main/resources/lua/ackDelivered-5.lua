--[[
  Records delivered messages (the acks of one event-loop turn, one shard): each leaves the lease set
  and the message hash, and a gated one its gate, giving its permit back. Fenced by the lease: the ZREM
  of "<id>|<token>" finds nothing once the lease expired (the reaper handed the message to another
  node), so such a node cannot touch the message.

  KEYS[1] lease sorted set    courier:{s}:lease
  KEYS[2] message hash        courier:{s}:msgs
  KEYS[3] retried hash        courier:{s}:retried
  KEYS[4] gated hash          courier:{s}:gated
  KEYS[5] runnable set        courier:{s}:runnable
  ARGV[1] gate key prefix     courier:{s}:gate:
  ARGV[2..] per message, 2 values: id, lease token
  Returns one value per message, in order (1 done, 0 the lease is no longer ours, or the message was
  cancelled), then one more: how many gates became runnable (the caller wakes a claim)
]]
-- @include gates
local out = {}
local done = {}
local woke = 0
local gated = redis.call('HLEN', KEYS[4]) > 0
for i = 2, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call('ZREM', KEYS[1], id .. '|' .. ARGV[i + 1]) == 1 then
    -- A cancelled message's permit is released here: its attempt was still in flight.
    if gated then
      woke = woke + leaveGate(KEYS[4], ARGV[1], KEYS[5], id)
    end
    if redis.call('HDEL', KEYS[2], id) == 1 then
      done[#done + 1] = id
      out[#out + 1] = 1
    else
      out[#out + 1] = 0
    end
  else
    out[#out + 1] = 0
  end
end
if #done > 0 and redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('HDEL', KEYS[3], unpack(done))
end
out[#out + 1] = woke
return out
