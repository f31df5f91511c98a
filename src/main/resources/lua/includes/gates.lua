--[[
  Gates (design.md §3a): the one place where a permit is taken back and a gate is made runnable again.
  Included by every script that ends, pauses or re-queues a gated message (LuaScript expands the
  "-- @include gates" line when it loads the scripts), never copied.

  A gate <g> of shard s lives in keys built from the gate prefix courier:{s}:gate: (same hash tag):
    <prefix><g>          hash        parallelism, paused ('1'/'0'), created, updated, delayed (its
                                     messages waiting on the wheel for their delay: lag = ready + delayed)
    <prefix><g>:ready    list        ids ready to start, oldest first (a reaped one goes back to the head)
    <prefix><g>:active   set         ids holding a permit: in flight, or waiting for a retry (FIFO keeps it)
  and in two keys of the shard:
    gated                hash        id -> gate, for every pending gated message
    runnable             sorted set  gates with ready work, a free permit and not paused; the claim visits
                                     them in score order and moves a served gate to the back
]]

-- The score that puts a gate at the back of `runnable`.
local function runnableTail(runnable)
  local last = redis.call('ZRANGE', runnable, -1, -1, 'WITHSCORES')
  return last[2] and (tonumber(last[2]) + 1) or 0
end

-- With the gate's settings read (HMGET parallelism paused) and work in its ready list: it joins the back
-- of `runnable` if it is not paused and has a free permit. 1 when it did.
local function runnableIfFree(prefix, runnable, g, cfg)
  if cfg[1] and cfg[2] ~= '1' and redis.call('SCARD', prefix .. g .. ':active') < tonumber(cfg[1]) then
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
local function considerRunnable(prefix, runnable, g, toBack)
  local gk = prefix .. g
  if not toBack and redis.call('ZSCORE', runnable, g) then
    return 1
  end
  if redis.call('LLEN', gk .. ':ready') > 0
      and runnableIfFree(prefix, runnable, g, redis.call('HMGET', gk, 'parallelism', 'paused')) == 1 then
    return 1
  end
  if toBack then
    redis.call('ZREM', runnable, g) -- (without toBack the ZSCORE said it is not there)
  end
  return 0
end

-- Gives the permit held by `id` back (at most once: SREM says whether it was held). 1 when the gate
-- became runnable, so the caller can wake a claim.
local function releasePermit(prefix, runnable, g, id)
  if redis.call('SREM', prefix .. g .. ':active', id) == 1 then
    return considerRunnable(prefix, runnable, g, false)
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
