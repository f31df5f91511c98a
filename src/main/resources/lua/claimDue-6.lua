--[[
  Claims work for one node, at most ARGV[2] messages, in two steps, so a claimed batch costs one round
  trip:
  1. Timers: takes the ids due by ARGV[5] off the wheel, earliest first. An ungated one is leased (lease
     deadline = its due time, or now if later, + the message's timeout + grace). A gated one that holds
     its gate's permit (it waited for a retry: FIFO keeps the permit) is leased too; one that does not
     (it was delayed, or it is flow-controlled and waited for its retry) moves to the tail of its gate's
     ready list; one whose gate was deleted is dropped. A flow-control key's rate timer ("~f:<key>") makes
     its gate runnable again instead.
  2. Gates: visits the runnable gates in order, taking one ready message from each (a permit and a lease
     in this script, so a limit holds across nodes: design.md invariant 4) and moving it to the back, in
     rounds, until the batch is full or no gate can start anything. A gate left full, paused or empty
     leaves the runnable set, so it costs nothing per tick and blocks nobody behind it. A flow-control key
     also counts the attempts it starts in its rate window: a window that ended rolls over (to the end of
     the last one if that falls by ARGV[5], so a busy key's windows follow each other; else to now), and
     a spent one takes the gate out of the runnable set with a timer for its end (gates.lua).
  ARGV[5] may lie a little ahead of now (the wheel's next tick): the dispatcher then holds the message
  until its due time.

  KEYS[1] due sorted set      courier:{s}:due
  KEYS[2] lease sorted set    courier:{s}:lease     members "<id>|<lease token>"
  KEYS[3] message hash        courier:{s}:msgs      id -> stored message, "<timeout ms>:" first
  KEYS[4] retried hash        courier:{s}:retried   id -> attempts made (absent: none)
  KEYS[5] gated hash          courier:{s}:gated     id -> gate
  KEYS[6] runnable set        courier:{s}:runnable
  KEYS[7] outbox stream       courier:{s}:events    only while the event log is on (events.lua): ACTIVE,
                              and CANCELED for a message dropped with its deleted queue
  ARGV[1] now, unix ms
  ARGV[2] most messages to claim
  ARGV[3] lease grace, ms
  ARGV[4] lease token (unique per claim; fences the outcome scripts)
  ARGV[5] claim timers due by this time, unix ms (>= now)
  ARGV[6] gate key prefix     courier:{s}:gate:
  Returns
    { {id, message, retried, due}, ... }   (message: the stored bytes; due: when to send it, unix ms: a
                                            flow-controlled one may wait for its window, which starts by
                                            ARGV[5])
    Ids whose message is gone (cancelled meanwhile) are dropped silently.

  Lua's unpack takes about 8000 values, and a script that fails halfway keeps what it wrote: every
  variadic call below goes in chunks, so a claim of any size either fails before writing or completes.
]]
-- @include gates
-- @include events
local CHUNK = 1000
local function chunked(command, key, values, step)
  for first = 1, #values, CHUNK * step do
    redis.call(command, key, unpack(values, first, math.min(#values, first + CHUNK * step - 1)))
  end
end
-- (A missing field comes back as false.)
local function hmget(key, ids)
  local out = {}
  for first = 1, #ids, CHUNK do
    local last = math.min(#ids, first + CHUNK - 1)
    local reply = redis.call('HMGET', key, unpack(ids, first, last))
    for i = 1, last - first + 1 do
      out[first + i - 1] = reply[i]
    end
  end
  return out
end

local now = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local grace = tonumber(ARGV[3])
local token = ARGV[4]
local horizon = tonumber(ARGV[5])
local prefix = ARGV[6]
openOutbox(KEYS[7], ARGV[1])
local out = {}
local leases = {}
local function lease(id, m, retried, due)
  leases[#leases + 1] = math.max(now, due) + (tonumber(string.match(m, '^(%d+):')) or 0) + grace
  leases[#leases + 1] = id .. '|' .. token
  out[#out + 1] = {id, m, retried or '0', string.format('%d', due)}
  logEvent('A', id)
end

-- 1. Timers.
local scored = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[5], 'WITHSCORES', 'LIMIT', 0, max)
if #scored > 0 then
  local ids = {}
  for i = 1, #scored, 2 do
    ids[#ids + 1] = scored[i]
  end
  chunked('ZREM', KEYS[1], ids, 1)
  local messages = hmget(KEYS[3], ids)
  local retried = hmget(KEYS[4], ids)
  local gates = {}
  if redis.call('HLEN', KEYS[5]) > 0 then
    gates = hmget(KEYS[5], ids)
  end
  local readied = {}
  for i, id in ipairs(ids) do
    local m = messages[i]
    local g = gates[i]
    if string.byte(id, 1) == 126 then
      -- "~<gate>": a flow-control key's rate window ends (by ARGV[5], as the claim's windows do below)
      readied[string.sub(id, 2)] = true
    elseif m and g then
      local gk = prefix .. g
      if redis.call('EXISTS', gk) == 0 then
        -- its queue was deleted while it waited (api-decisions.md): dropped like the queue's ready ones
        redis.call('HDEL', KEYS[3], id)
        redis.call('HDEL', KEYS[4], id)
        redis.call('HDEL', KEYS[5], id)
        logEvent('X', id)
      elseif redis.call('SISMEMBER', gk .. ':active', id) == 1 then
        lease(id, m, retried[i], tonumber(scored[2 * i]))
      else
        redis.call('RPUSH', gk .. ':ready', id)
        redis.call('HINCRBY', gk, 'delayed', -1)
        readied[g] = true
      end
    elseif m then
      lease(id, m, retried[i], tonumber(scored[2 * i]))
    end
  end
  for g in pairs(readied) do
    considerRunnable(prefix, KEYS[6], g, false, horizon)
  end
end

-- 2. Gates, round-robin: one message per gate per round. A served gate goes to the back of the set
-- (runnableTail) or, if it cannot start another, leaves it.
-- Most messages never failed: then the retried hash is empty and their counts need no lookup each.
local anyRetried = redis.call('EXISTS', KEYS[4]) == 1
while #out < max do
  local gates = redis.call('ZRANGE', KEYS[6], 0, max - #out - 1)
  if #gates == 0 then
    break
  end
  for _, g in ipairs(gates) do
    if #out >= max then
      break
    end
    local gk = prefix .. g
    local cfg = gateSettings(gk)
    local p = tonumber(cfg[1])
    local active = 0
    if p and p > 0 then
      active = redis.call('SCARD', gk .. ':active')
    end
    -- A flow-control key's rate window (none for a queue, or for a key without a rate).
    local rate = tonumber(cfg[3]) or 0
    local period, windowStart, windowCount, spent = 0, 0, 0, false
    if rate > 0 then
      period = tonumber(cfg[4])
      windowStart = tonumber(cfg[5])
      windowCount = tonumber(cfg[6]) or 0
      if not windowStart or horizon >= windowStart + period then
        -- ended: the next window starts where it ended if that is by ARGV[5], else now
        windowStart = (windowStart and now < windowStart + period) and (windowStart + period) or now
        windowCount = 0
      end
      spent = windowCount >= rate
    end
    local id = false
    if p and cfg[2] ~= '1' and (p == 0 or active < p) and not spent then
      id = redis.call('LPOP', gk .. ':ready')
    end
    if id then
      local m = redis.call('HGET', KEYS[3], id)
      if m and redis.call('SADD', gk .. ':active', id) == 1 then
        active = active + 1
        local due = now
        if rate > 0 then
          windowCount = windowCount + 1
          spent = windowCount >= rate
          redis.call('HSET', gk, 'windowStart', windowStart, 'windowCount', windowCount)
          due = math.max(now, windowStart)
        end
        lease(id, m, anyRetried and redis.call('HGET', KEYS[4], id) or false, due)
      elseif m then
        -- already holds a permit, so it is leased or waits for its retry: never two attempts at once
      else
        redis.call('HDEL', KEYS[5], id) -- gone meanwhile (should not happen: cancel takes it off the list)
      end
    end
    if spent then
      redis.call('ZADD', KEYS[1], windowStart + period, rateTimer(g)) -- runnable again when it ends
    end
    if id and (p == 0 or active < p) and not spent and redis.call('LLEN', gk .. ':ready') > 0 then
      redis.call('ZADD', KEYS[6], runnableTail(KEYS[6]), g)
    else
      redis.call('ZREM', KEYS[6], g)
    end
  end
end
chunked('ZADD', KEYS[2], leases, 2)
flushEvents()
return out
