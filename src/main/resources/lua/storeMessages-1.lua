--[[
  Accepts a batch of messages for one shard (the publishes of one event-loop turn): for each, checks
  the dedup window and the backlog, stores the hash and puts the id on the delay wheel. Atomic, so a
  2xx always means "stored" (design.md invariant 1) and two publishes with one dedup id can never
  both be stored (invariant 3). Message and dedup keys are built from prefixes: they share the
  shard's hash tag with KEYS[1], so the script stays in one cluster slot.

  KEYS[1] due sorted set      courier:{s}:due
  ARGV[1] message key prefix  courier:{s}:msg:
  ARGV[2] dedup key prefix    courier:{s}:dedup:
  ARGV[3] dedup window, ms
  ARGV[4] backlog limit of the shard; '0' = none
  ARGV[5..] per message, 5 values: id, due time (unix ms), dedup hash ('' = none), message, timeout ms
  Returns one {code, id} per message, in order:
    {0, id}          stored
    {1, originalId}  duplicate inside the window; nothing stored
    {2, backlog}     the shard's backlog is at its limit; nothing stored
]]
local limit = tonumber(ARGV[4])
local backlog = -1
if limit > 0 then
  backlog = redis.call('ZCARD', KEYS[1])
end
local out = {}
for i = 5, #ARGV, 5 do
  local id, due, dedup = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local result = nil
  local dedupKey = nil
  if dedup ~= '' then
    dedupKey = ARGV[2] .. dedup
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
      redis.call('SET', dedupKey, id, 'PX', ARGV[3])
    end
    redis.call('HSET', ARGV[1] .. id, 'm', ARGV[i + 3], 't', ARGV[i + 4], 'r', '0')
    redis.call('ZADD', KEYS[1], due, id)
    if backlog >= 0 then
      backlog = backlog + 1
    end
    result = {0, id}
  end
  out[#out + 1] = result
end
return out
