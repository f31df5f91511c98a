--[[
  Gates (design.md §3a): the one place where a permit is taken back and a gate is made runnable again.
  Included by every script that ends, pauses or re-queues a gated message (LuaScript expands the
  "-- @include gates" line when it loads the scripts), never copied.

  A gate <g> of shard s is a queue (q:<name>) or a flow-control key (f:<key>), and lives in keys built
  from the gate prefix courier:{s}:gate: (same hash tag):
    <prefix><g>          hash        parallelism (0 = unlimited, flow control only), paused ('1'/'0'),
                                     created, updated, delayed (its messages waiting on the wheel for
                                     their delay, or a flow-controlled one for its retry: lag = ready +
                                     delayed); a flow-control key also rate, period (ms), windowStart (ms),
                                     windowCount (attempts started in the window), pinnedParallelism,
                                     pinnedRate ('1' = set by pin, not by messages)
    <prefix><g>:ready    list        ids ready to start, oldest first (a reaped one goes back to the head)
    <prefix><g>:active   set         ids holding a permit: in flight, or (a queue's) waiting for a retry
  and in two keys of the shard:
    gated                hash        id -> gate, for every pending gated message
    runnable             sorted set  gates with ready work, a free permit, room in their rate window and not
                                     paused; the claim visits them in score order and moves a served gate to
                                     the back (a queue that got a permit back joins without its settings
                                     read: the claim's visit drops it if it cannot start anything)
  A flow-control key whose rate window is spent has a timer in the shard's due set, member "~<g>" (no
  message id starts with "~"), at the window's end; the claim makes the gate runnable again when it falls
  due. Every script that spends a window or lowers a rate sets that timer, so a spent gate can stay out of
  `runnable` (nothing spins on it) and still never be forgotten.
]]

-- The fields of a gate's hash the functions below read, in this order (HMGET).
local GATE_FIELDS = {'parallelism', 'paused', 'rate', 'period', 'windowStart', 'windowCount'}

local function gateSettings(gk)
  return redis.call('HMGET', gk, unpack(GATE_FIELDS))
end

-- Now, unix ms, from the server's clock: only read where a rate window must be compared with it.
local function clockMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The end of a flow-control key's rate window (ms) if the window has no room left at `at` (nil: the
-- server's clock), else nil. A queue has no rate: nil.
local function rateSpentUntil(cfg, at)
  local rate = tonumber(cfg[3])
  if not rate or rate <= 0 or not cfg[5] or (tonumber(cfg[6]) or 0) < rate then
    return nil
  end
  local ends = tonumber(cfg[5]) + tonumber(cfg[4])
  if (at or clockMs()) < ends then
    return ends
  end
  return nil
end

-- The due-set member of a gate's rate timer.
local function rateTimer(g)
  return '~' .. g
end

-- A queue's settings, the queue created with parallelism 1 if unknown (an enqueue auto-creates its queue)
-- and added to the shard's queue registry.
local function ensureQueue(gk, gate, registry, now)
  local cfg = gateSettings(gk)
  if not cfg[1] then
    redis.call('HSET', gk, 'parallelism', 1, 'paused', '0', 'created', now, 'updated', now)
    redis.call('SADD', registry, gate)
    cfg = {'1', '0'}
  end
  return cfg
end

-- A flow-control key's limits set from a message's ("parallelism,rate,periodMs"), unless pinned; the key
-- created (and added to the shard's registry of keys) if unknown. A window the new rate leaves spent gets
-- its timer in the due set. Returns the key's settings.
local function setFlowLimits(gk, gate, limits, registry, due, now)
  local p, r, period = string.match(limits, '^(%d+),(%d+),(%d+)$')
  local state = redis.call('HMGET', gk, 'created', 'pinnedParallelism', 'pinnedRate')
  local set = {'updated', now}
  if not state[1] then
    redis.call('SADD', registry, gate)
    set = {'updated', now, 'created', now, 'paused', '0', 'delayed', 0}
  end
  if state[2] ~= '1' then
    set[#set + 1] = 'parallelism'
    set[#set + 1] = p
  end
  if state[3] ~= '1' then
    set[#set + 1] = 'rate'
    set[#set + 1] = r
    set[#set + 1] = 'period'
    set[#set + 1] = period == '0' and '1000' or period
  end
  redis.call('HSET', gk, unpack(set))
  local cfg = gateSettings(gk)
  local ends = rateSpentUntil(cfg, now)
  if ends then
    redis.call('ZADD', due, ends, rateTimer(gate))
  end
  return cfg
end

-- The score that puts a gate at the back of `runnable`: the set's last score is read once per script call and
-- counted on from there (every ZADD to the back takes its score here).
local lastTail = nil
local function runnableTail(runnable)
  if lastTail then
    lastTail = lastTail + 1
  else
    local last = redis.call('ZRANGE', runnable, -1, -1, 'WITHSCORES')
    lastTail = last[2] and (tonumber(last[2]) + 1) or 0
  end
  return lastTail
end

-- With the gate's settings read (gateSettings) and work in its ready list: it joins the back of `runnable`
-- if it is not paused, has a free permit and room in its rate window at `at` (nil: now; a spent window has
-- its timer already). 1 when it did.
local function runnableIfFree(prefix, runnable, g, cfg, at)
  local p = tonumber(cfg[1])
  if p and cfg[2] ~= '1' and (p == 0 or redis.call('SCARD', prefix .. g .. ':active') < p)
      and not rateSpentUntil(cfg, at) then
    redis.call('ZADD', runnable, runnableTail(runnable), g)
    return 1
  end
  return 0
end

-- The gate is in `runnable` if it can start something now, and leaves it otherwise. A gate already
-- there keeps its place unless `toBack` (the claim just served it): a busy queue that keeps receiving
-- neither jumps ahead nor falls behind the others. Without `toBack` the caller only ever adds work or
-- frees a permit, which cannot make a runnable gate unable to start: a gate already in the set is left
-- as it is at the cost of one ZSCORE (pause, a full gate and an empty list take it out where they happen).
local function considerRunnable(prefix, runnable, g, toBack, at)
  local gk = prefix .. g
  if not toBack and redis.call('ZSCORE', runnable, g) then
    return 1
  end
  if redis.call('LLEN', gk .. ':ready') > 0
      and runnableIfFree(prefix, runnable, g, gateSettings(gk), at) == 1 then
    return 1
  end
  if toBack then
    redis.call('ZREM', runnable, g) -- (without toBack the ZSCORE said it is not there)
  end
  return 0
end

-- Gives the permit held by `id` back (at most once: SREM says whether it was held). 1 when the gate is
-- runnable, so the caller can wake a claim. A queue with ready work joins the back of `runnable` (or keeps its
-- place there) without its settings being read: should it be paused or still full (its parallelism was
-- lowered), the claim's next visit takes it out again, once per permit given back. That is rare; reading the
-- settings at every release was not (an ack of a busy queue's message paid four more calls for it). A
-- flow-control key is checked in full: its rate window is often spent while permits come back.
local function releasePermit(prefix, runnable, g, id)
  if redis.call('SREM', prefix .. g .. ':active', id) == 0 then
    return 0
  end
  if string.byte(g, 1) ~= 113 then -- not "q:<name>"
    return considerRunnable(prefix, runnable, g, false)
  end
  if redis.call('ZSCORE', runnable, g) then
    return 1 -- keeps its place
  end
  if redis.call('LLEN', prefix .. g .. ':ready') > 0 then
    redis.call('ZADD', runnable, runnableTail(runnable), g)
    return 1
  end
  return 0
end

-- A gated message reached a terminal state (delivered, dead-lettered, cancelled, dropped): it leaves
-- its gate, releasing the permit it held. No-op for an ungated id. 1 when the gate became runnable.
local function leaveGate(gated, prefix, runnable, id)
  local g = redis.call('HGET', gated, id)
  if not g then
    return 0
  end
  redis.call('HDEL', gated, id)
  return releasePermit(prefix, runnable, g, id)
end

-- The first step of a script that puts a claimed message back on the wheel (scheduleRetry, deferAttempt): its
-- lease ends, fenced by the token. Returns 0 when the lease is no longer ours; 0 or 2 (a permit freed on a gate
-- with ready work) when the message was cancelled since its claim, which then leaves its gate; nil to go on.
local function endLease(lease, msgs, retried, gated, prefix, runnable, id, token)
  if redis.call('ZREM', lease, id .. '|' .. token) == 0 then
    return 0
  end
  if redis.call('HEXISTS', msgs, id) == 0 then
    redis.call('HDEL', retried, id)
    return 2 * leaveGate(gated, prefix, runnable, id)
  end
  return nil
end

-- A claimed message goes back on the wheel, due at `at`, without ending: a retry (scheduleRetry) or an
-- attempt that never started (deferAttempt). A queued message keeps its permit while it waits, so a
-- parallelism-1 queue stays FIFO; a flow-controlled one (`flow` = '1') gives it back, as a key's
-- parallelism counts attempts in flight, and is counted as delayed until the claim finds it due and puts
-- it at the tail of its key's ready list. 1, or 3 when that made its gate runnable.
local function backOnWheel(due, gated, prefix, runnable, id, at, flow)
  redis.call('ZADD', due, at, id)
  if flow == '1' then
    local g = redis.call('HGET', gated, id)
    if g then
      redis.call('HINCRBY', prefix .. g, 'delayed', 1)
      return 1 + 2 * releasePermit(prefix, runnable, g, id)
    end
  end
  return 1
end
