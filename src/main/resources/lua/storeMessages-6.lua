--[[
  Accepts a batch of messages for one shard (the publishes of one event-loop turn): for each, checks
  the dedup window and the backlog; the accepted ones are stored with one HSET into the shard's message
  hash. An ungated message, or a gated one that is delayed, goes on the delay wheel (one ZADD for the
  batch); a gated one that is due goes to the tail of its gate's ready list (acceptance order is FIFO
  order), and the gate becomes runnable if it has a free permit. An unknown queue is created with
  parallelism 1 (enqueue auto-creates its queue). A flow-control key (f:<key>) is created with the limits
  of its messages, and every batch sets them to those of its last message for the key, but a limit pinned
  by the API (pinnedParallelism, pinnedRate) stays: a limit the message does not give is lifted (0), as
  the key's configuration is the latest message's (api-decisions.md). Atomic, so a 2xx always means "stored" (design.md
  invariant 1) and two publishes with one dedup id can never both be stored (invariant 3). Dedup and
  gate keys are built from prefixes: they share the shard's hash tag, so the script stays in one slot.

  KEYS[1] due sorted set      courier:{s}:due
  KEYS[2] message hash        courier:{s}:msgs
  KEYS[3] gated hash          courier:{s}:gated      id -> gate
  KEYS[4] runnable set        courier:{s}:runnable
  KEYS[5] queue registry      courier:{s}:gates      set of the shard's queues (q:<name>)
  KEYS[6] flow-control keys   courier:{s}:flows      set of the shard's flow-control keys (f:<key>)
  KEYS[7] outbox stream       courier:{s}:events     only while the event log is on (events.lua): CREATED
  ARGV[1] dedup key prefix    courier:{s}:dedup:
  ARGV[2] dedup window, ms
  ARGV[3] backlog limit of the shard (messages pending or in flight); '0' = none
  ARGV[4] gate key prefix     courier:{s}:gate:
  ARGV[5] now, unix ms
  ARGV[6..] per message, 6 values: id, due time (unix ms), dedup hash ('' = none), stored message,
            gate ('' = none), flow-control limits "parallelism,rate,periodMs" (0 = not given; '' = no
            flow control)
  Returns one {code, id} per message, in order:
    {0, id}          stored
    {1, originalId}  duplicate inside the window; nothing stored
    {2, backlog}     the shard's backlog is at its limit; nothing stored
]]
-- @include gates
-- @include events
if (#ARGV - 5) % 6 ~= 0 then
  return redis.error_reply('storeMessages: 6 values per message (id, due, dedup, message, gate, limits)')
end
local limit = tonumber(ARGV[3])
local prefix = ARGV[4]
local now = tonumber(ARGV[5])
openOutbox(KEYS[7], ARGV[5])
local backlog = -1
if limit > 0 then
  backlog = redis.call('HLEN', KEYS[2])
end
local out = {}
local stored = {}
local scheduled = {}
local gatedPairs = {}
local gateOrder = {}
local readyOf = {}
local countOf = {}
local limitsOf = {}
-- Whether an earlier run of this very call (a retried call) stored its first gated message, nil until asked. Only
-- then can a later one be stored already: a run stores its messages in order until the backlog refuses one, and
-- refuses every later one too. So one HEXISTS per call, and one per gated message only in a retried call.
local ranBefore = nil
for i = 6, #ARGV, 6 do
  local id, due, dedup, gate = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 4]
  local result = nil
  local dedupKey = nil
  if dedup ~= '' then
    dedupKey = ARGV[1] .. dedup
    local original = redis.call('GET', dedupKey)
    if original == id then
      result = {0, id} -- this very call ran before (a retried batch): already stored
    elseif original then
      result = {1, original}
    end
  end
  if not result and gate ~= '' and ranBefore ~= false then
    local storedBefore = redis.call('HEXISTS', KEYS[3], id) == 1
    if ranBefore == nil then
      ranBefore = storedBefore
    end
    if storedBefore then
      result = {0, id} -- stored by an earlier run of this very call: a second RPUSH would queue it twice
    end
  end
  if not result and limit > 0 and backlog >= limit then
    result = {2, tostring(backlog)}
  end
  if not result then
    if dedupKey then
      redis.call('SET', dedupKey, id, 'PX', ARGV[2])
    end
    stored[#stored + 1] = id
    stored[#stored + 1] = ARGV[i + 3]
    logEvent('C', id)
    logDetail('m', ARGV[i + 3])
    if gate == '' or tonumber(due) > now then
      scheduled[#scheduled + 1] = due
      scheduled[#scheduled + 1] = id
    end
    if gate ~= '' then
      gatedPairs[#gatedPairs + 1] = id
      gatedPairs[#gatedPairs + 1] = gate
      if not countOf[gate] then
        gateOrder[#gateOrder + 1] = gate
        countOf[gate] = 0
        readyOf[gate] = {}
      end
      countOf[gate] = countOf[gate] + 1
      if ARGV[i + 5] ~= '' then
        limitsOf[gate] = ARGV[i + 5] -- the batch's last message for the key wins, as if stored one by one
      end
      if tonumber(due) <= now then
        local ready = readyOf[gate]
        ready[#ready + 1] = id
      end
    end
    if backlog >= 0 then
      backlog = backlog + 1
    end
    result = {0, id}
  end
  out[#out + 1] = result
end
if #stored > 0 then
  redis.call('HSET', KEYS[2], unpack(stored))
end
if #scheduled > 0 then
  redis.call('ZADD', KEYS[1], unpack(scheduled))
end
if #gatedPairs > 0 then
  redis.call('HSET', KEYS[3], unpack(gatedPairs))
end
-- Per gate, once per batch: create it if unknown, count its delayed messages, append the due ones to its
-- ready list in acceptance order, and make it runnable if it can start one.
for _, gate in ipairs(gateOrder) do
  local gk = prefix .. gate
  local ready = readyOf[gate]
  local cfg
  -- A queue already in `runnable` exists and stays there with its new work: its settings need not be read.
  local runnableQueue = not limitsOf[gate] and #ready > 0 and redis.call('ZSCORE', KEYS[4], gate)
  if limitsOf[gate] then
    cfg = setFlowLimits(gk, gate, limitsOf[gate], KEYS[6], KEYS[1], now)
  elseif not runnableQueue then
    cfg = ensureQueue(gk, gate, KEYS[5], now)
  end
  if countOf[gate] > #ready then
    redis.call('HINCRBY', gk, 'delayed', countOf[gate] - #ready)
  end
  if #ready > 0 then
    redis.call('RPUSH', gk .. ':ready', unpack(ready))
  end
  -- (a flow-control key's new limits may let it start work it already had)
  if limitsOf[gate] then
    if (#ready > 0 or redis.call('LLEN', gk .. ':ready') > 0) and not redis.call('ZSCORE', KEYS[4], gate) then
      runnableIfFree(prefix, KEYS[4], gate, cfg, now)
    end
  elseif #ready > 0 and not runnableQueue then
    runnableIfFree(prefix, KEYS[4], gate, cfg, now) -- (the ZSCORE above found it not there)
  end
end
flushEvents()
return out
