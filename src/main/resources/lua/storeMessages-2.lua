--[[
  Accepts a batch of messages for one shard (the publishes of one event-loop turn): for each, checks
  the dedup window and the backlog; the accepted ones are stored with one HSET into the shard's message
  hash and one ZADD onto the delay wheel. Atomic, so a 2xx always means "stored" (design.md invariant 1)
  and two publishes with one dedup id can never both be stored (invariant 3). Dedup keys are built from
  a prefix: they share the shard's hash tag with KEYS[1], so the script stays in one cluster slot.

  KEYS[1] due sorted set      courier:{s}:due
  KEYS[2] message hash        courier:{s}:msgs
  ARGV[1] dedup key prefix    courier:{s}:dedup:
  ARGV[2] dedup window, ms
  ARGV[3] backlog limit of the shard; '0' = none
  ARGV[4..] per message, 4 values: id, due time (unix ms), dedup hash ('' = none), stored message
  Returns one {code, id} per message, in order:
    {0, id}          stored
    {1, originalId}  duplicate inside the window; nothing stored
    {2, backlog}     the shard's backlog is at its limit; nothing stored
]]
local limit = tonumber(ARGV[3])
local backlog = -1
if limit > 0 then
  backlog = redis.call('ZCARD', KEYS[1])
end
local out = {}
local stored = {}
local scheduled = {}
for i = 4, #ARGV, 4 do
  local id, due, dedup = ARGV[i], ARGV[i + 1], ARGV[i + 2]
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
  if not result and limit > 0 and backlog >= limit then
    result = {2, tostring(backlog)}
  end
  if not result then
    if dedupKey then
      redis.call('SET', dedupKey, id, 'PX', ARGV[2])
    end
    stored[#stored + 1] = id
    stored[#stored + 1] = ARGV[i + 3]
    scheduled[#scheduled + 1] = due
    scheduled[#scheduled + 1] = id
    if backlog >= 0 then
      backlog = backlog + 1
    end
    result = {0, id}
  end
  out[#out + 1] = result
end
if #stored > 0 then
  redis.call('HSET', KEYS[2], unpack(stored))
  redis.call('ZADD', KEYS[1], unpack(scheduled))
end
return out
