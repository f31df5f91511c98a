--[[
  Accepts one message: deduplicates, checks the backlog, stores the hash and puts the id on the
  delay wheel, all in one atomic step so that a 2xx always means "stored" (design.md invariant 1)
  and two publishes with one dedup id can never both be stored (invariant 3).

  KEYS[1] message hash        courier:{s}:msg:<id>
  KEYS[2] due sorted set      courier:{s}:due
  KEYS[3] dedup string        courier:{s}:dedup:<sha256>   (unused when ARGV[3] == '0')
  ARGV[1] message id
  ARGV[2] due time, unix ms
  ARGV[3] dedup window in ms; '0' = no deduplication
  ARGV[4] backlog limit of the shard; '0' = none
  ARGV[5..] field, value pairs of the message hash
  Returns
    {0, id}          stored
    {1, originalId}  duplicate inside the window; nothing stored
    {2, backlog}     the shard's backlog is at its limit; nothing stored
]]
if ARGV[3] ~= '0' then
  local original = redis.call('GET', KEYS[3])
  if original == ARGV[1] then
    return {0, ARGV[1]} -- this very call ran before (a retried batch): already stored
  end
  if original then
    return {1, original}
  end
end
local limit = tonumber(ARGV[4])
if limit > 0 then
  local backlog = redis.call('ZCARD', KEYS[2])
  if backlog >= limit then
    return {2, tostring(backlog)}
  end
end
if ARGV[3] ~= '0' then
  redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[3])
end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return {0, ARGV[1]}
