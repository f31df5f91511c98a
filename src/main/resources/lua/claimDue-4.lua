--[[
  Claims due messages for one node: takes up to ARGV[2] ids due by ARGV[5] off the wheel, earliest
  first, leases each (lease deadline = its due time, or now if later, + the message's timeout + grace)
  and returns what a dispatcher needs, so a claimed batch costs one round trip. ARGV[5] may lie a little
  ahead of now (the wheel's next tick): the dispatcher then holds the message until its due time.

  Gates attach here: queue parallelism and flow-control permits will be taken per claimed message
  inside this script, so that a limit holds across nodes (design.md invariant 4).

  KEYS[1] due sorted set      courier:{s}:due
  KEYS[2] lease sorted set    courier:{s}:lease     members "<id>|<lease token>"
  KEYS[3] message hash        courier:{s}:msgs      id -> stored message, "<timeout ms>:" first
  KEYS[4] retried hash        courier:{s}:retried   id -> attempts made (absent: none)
  ARGV[1] now, unix ms
  ARGV[2] most messages to claim
  ARGV[3] lease grace, ms
  ARGV[4] lease token (unique per claim; fences the outcome scripts)
  ARGV[5] claim what is due by this time, unix ms (>= now)
  Returns
    { {id, message, retried, due}, ... }   (message: the stored bytes; due: its score, unix ms)
    Ids whose message is gone (cancelled meanwhile) are dropped silently.

  Lua's unpack takes about 8000 values, and a script that fails halfway keeps what it wrote: every
  variadic call below goes in chunks, so a claim of any size either fails before writing or completes.
]]
local CHUNK = 1000
local function chunked(command, key, values, step)
  for first = 1, #values, CHUNK * step do
    redis.call(command, key, unpack(values, first, math.min(#values, first + CHUNK * step - 1)))
  end
end

local now = tonumber(ARGV[1])
local grace = tonumber(ARGV[3])
local scored = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[5], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
if #scored == 0 then
  return {}
end
local ids = {}
for i = 1, #scored, 2 do
  ids[#ids + 1] = scored[i]
end
-- (A missing field comes back as false.)
local function hmget(key)
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
chunked('ZREM', KEYS[1], ids, 1)
local messages = hmget(KEYS[3])
local retried = hmget(KEYS[4])
local out = {}
local leases = {}
for i, id in ipairs(ids) do
  local m = messages[i]
  if m then
    local due = tonumber(scored[2 * i])
    leases[#leases + 1] = math.max(now, due) + (tonumber(string.match(m, '^(%d+):')) or 0) + grace
    leases[#leases + 1] = id .. '|' .. ARGV[4]
    out[#out + 1] = {id, m, retried[i] or '0', scored[2 * i]}
  end
end
chunked('ZADD', KEYS[2], leases, 2)
return out
