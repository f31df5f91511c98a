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

  Needs events.lua included before it: each callback message's CREATED (and ACTIVE when leased at once) goes
  to the outbox.
]]

-- The callback messages of this script call, gathered by storeCallbacks and written by flushCallbacks in one
-- HSET and at most two ZADDs, as a publish batch is: a command per callback cost the ack script more than the
-- callback's own delivery.
local cbMessages, cbLeases, cbTimers = {}, {}, {}

-- Gathers the callback messages cbs[first..last] (five values each) for the wheel, or leased; with `gate` (a
-- queue), each joins it now holding a permit, so the claim leases it when due and the queue starts nothing
-- else meanwhile (the node never takes a gated one at once). Returns how many went on the wheel: only those
-- need a claim (a wake per ack batch whose callbacks were all taken at once made a claim script run for
-- nothing each time).
local function storeCallbacks(msgs, due, lease, gated, prefix, cbs, first, last, gate)
  local timers = 0
  for i = first, last, 5 do
    local id = cbs[i]
    cbMessages[#cbMessages + 1] = id
    cbMessages[#cbMessages + 1] = cbs[i + 1]
    logEvent('C', id)
    logDetail('m', cbs[i + 1])
    if cbs[i + 3] ~= '' and not gate then
      cbLeases[#cbLeases + 1] = cbs[i + 3]
      cbLeases[#cbLeases + 1] = id .. '|' .. cbs[i + 4]
      logEvent('A', id)
    else
      cbTimers[#cbTimers + 1] = cbs[i + 2]
      cbTimers[#cbTimers + 1] = id
      timers = timers + 1
    end
    if gate then
      redis.call('HSET', gated, id, gate)
      redis.call('SADD', prefix .. gate .. ':active', id)
    end
  end
  return timers
end

-- Writes what storeCallbacks gathered; every outcome script calls it before it returns. (A script's
-- arguments stay well under Lua's unpack limit: a batch of acks carries at most two callbacks each.)
local function flushCallbacks(msgs, due, lease)
  if #cbMessages > 0 then
    redis.call('HSET', msgs, unpack(cbMessages))
  end
  if #cbLeases > 0 then
    redis.call('ZADD', lease, unpack(cbLeases))
  end
  if #cbTimers > 0 then
    redis.call('ZADD', due, unpack(cbTimers))
  end
end

-- A message reached its final outcome with callback messages cbs[first..last] to store: it leaves its
-- gate; a queue's permit passes to the callbacks (there is at least one), any other permit is given back.
-- More than 0 when a gate became runnable or a callback went on the wheel (the caller wakes a claim).
local function leaveGateForCallbacks(msgs, due, lease, gated, prefix, runnable, id, cbs, first, last)
  local g = redis.call('HGET', gated, id)
  if g and last >= first and string.sub(g, 1, 2) == 'q:' then
    redis.call('HDEL', gated, id)
    redis.call('SREM', prefix .. g .. ':active', id)
    return storeCallbacks(msgs, due, lease, gated, prefix, cbs, first, last, g)
  end
  local timers = storeCallbacks(msgs, due, lease, gated, prefix, cbs, first, last, nil)
  if not g then
    return timers
  end
  redis.call('HDEL', gated, id)
  return timers + releasePermit(prefix, runnable, g, id)
end
