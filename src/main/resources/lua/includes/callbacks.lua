--[[
  Callbacks (qstash-api.md §10): the callback messages an attempt's outcome fires are stored by the same
  script that writes the outcome, so a node that dies after the outcome loses none and fires none twice.
  The node builds each callback message (its body holds the attempt's response) and passes it as five
  values: its id, its stored form, its due time, and a lease deadline and token when the node takes it at
  once ('' and '' otherwise): then it is stored already leased to that node, which hands it to its own
  dispatchers (no claim, as a directly dispatched publish); else it goes on the wheel. Included by the
  outcome scripts after gates.lua.

  A queue waits for the callbacks of its message (§13): at a final outcome (delivered, dead-lettered) the
  permit of a message in a queue passes to its callback messages instead of being given back, and each of
  them holds it until its own outcome. (A flow-control key's permit is for attempts at its destination: it
  is given back as usual.)
]]

-- Stores the callback messages cbs[first..last] (five values each) on the wheel, or leased; with `gate` (a
-- queue), each joins it holding a permit, so the claim leases it when due and the queue starts nothing else
-- meanwhile (the node never takes a gated one at once).
local function storeCallbacks(msgs, due, lease, gated, prefix, cbs, first, last, gate)
  for i = first, last, 5 do
    local id = cbs[i]
    redis.call('HSET', msgs, id, cbs[i + 1])
    if cbs[i + 3] ~= '' and not gate then
      redis.call('ZADD', lease, cbs[i + 3], id .. '|' .. cbs[i + 4])
    else
      redis.call('ZADD', due, cbs[i + 2], id)
    end
    if gate then
      redis.call('HSET', gated, id, gate)
      redis.call('SADD', prefix .. gate .. ':active', id)
    end
  end
end

-- A message reached its final outcome with callback messages cbs[first..last] to store: it leaves its
-- gate; a queue's permit passes to the callbacks (there is at least one), any other permit is given back.
-- 1 when a gate became runnable (the caller wakes a claim), as leaveGate.
local function leaveGateForCallbacks(msgs, due, lease, gated, prefix, runnable, id, cbs, first, last)
  local g = redis.call('HGET', gated, id)
  if g and last >= first and string.sub(g, 1, 2) == 'q:' then
    redis.call('HDEL', gated, id)
    redis.call('SREM', prefix .. g .. ':active', id)
    storeCallbacks(msgs, due, lease, gated, prefix, cbs, first, last, g)
    return 0
  end
  storeCallbacks(msgs, due, lease, gated, prefix, cbs, first, last, nil)
  if not g then
    return 0
  end
  redis.call('HDEL', gated, id)
  return releasePermit(prefix, runnable, g, id)
end
