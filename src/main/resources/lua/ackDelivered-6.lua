--[[
  Records delivered messages (the acks of one event-loop turn, one shard): each leaves the lease set
  and the message hash, and a gated one its gate, giving its permit back (or passing a queue's to its
  callbacks). The callback messages of an ack are stored here too (callbacks.lua). Fenced by the lease: the
  ZREM of "<id>|<token>" finds nothing once the lease expired (the reaper handed the message to another
  node), so such a node cannot touch the message, and its callbacks are not stored.

  KEYS[1] lease sorted set    courier:{s}:lease
  KEYS[2] message hash        courier:{s}:msgs
  KEYS[3] retried hash        courier:{s}:retried
  KEYS[4] gated hash          courier:{s}:gated
  KEYS[5] runnable set        courier:{s}:runnable
  KEYS[6] due sorted set      courier:{s}:due
  KEYS[7] outbox stream       courier:{s}:events    only while the event log is on (events.lua): DELIVERED,
                              and CREATED (and ACTIVE) of the callbacks
  ARGV[1] gate key prefix     courier:{s}:gate:
  ARGV[2] n, the number of acks
  ARGV[3 .. 2+2n] per ack, 2 values: id, lease token
  ARGV[3+2n ..]   per ack with callbacks, in the acks' order: its index (1..n), the number of its callback
                  messages c, then c groups of five (id, stored message, due time, lease deadline or '', lease
                  token or ''; callbacks.lua)
  Returns one value per ack, in order (1 done, 0 the lease is no longer ours, or the message was
  cancelled), then one more: how many gates became runnable, or callbacks went on the wheel (the caller wakes a
  claim)
]]
-- @include gates
-- @include events
-- @include callbacks
local n = tonumber(ARGV[2])
openOutbox(KEYS[7], nil)
local out = {}
local done = {}
local woke = 0
local gated = redis.call('HLEN', KEYS[4]) > 0
-- where each ack's callbacks are in ARGV: index -> {first, last}
local cbOf = {}
local i = 3 + 2 * n
while i <= #ARGV do
  local c = tonumber(ARGV[i + 1])
  cbOf[tonumber(ARGV[i])] = {i + 2, i + 1 + 5 * c}
  i = i + 2 + 5 * c
end
for k = 1, n do
  local id = ARGV[1 + 2 * k]
  if redis.call('ZREM', KEYS[1], id .. '|' .. ARGV[2 + 2 * k]) == 1 then
    local cb = cbOf[k]
    local cancelled = redis.call('HDEL', KEYS[2], id) == 0
    if not cancelled then
      logEvent('D', id) -- before its callbacks' CREATED, as it happened
    end
    if cb and not cancelled then
      if gated then
        woke = woke + leaveGateForCallbacks(KEYS[2], KEYS[6], KEYS[1], KEYS[4], ARGV[1], KEYS[5], id, ARGV, cb[1],
          cb[2])
      else
        -- no message of the shard is gated: its gate lookup would find nothing (as a plain ack skips it)
        woke = woke + storeCallbacks(KEYS[2], KEYS[6], KEYS[1], KEYS[4], ARGV[1], ARGV, cb[1], cb[2], nil)
      end
    elseif gated then
      -- A cancelled message's permit is released here: its attempt was still in flight.
      woke = woke + leaveGate(KEYS[4], ARGV[1], KEYS[5], id)
    end
    if cancelled then
      out[#out + 1] = 0
    else
      done[#done + 1] = id
      out[#out + 1] = 1
    end
  else
    out[#out + 1] = 0
  end
end
flushCallbacks(KEYS[2], KEYS[6], KEYS[1])
flushEvents()
if #done > 0 and redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('HDEL', KEYS[3], unpack(done))
end
out[#out + 1] = woke
return out
