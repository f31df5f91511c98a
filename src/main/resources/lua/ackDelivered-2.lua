--[[
  Records a delivered message: it leaves the lease set and its hash is deleted. Fenced by the lease
  token, so a node whose lease expired (and was handed to another node) cannot touch the message.

  KEYS[1] lease sorted set    courier:{s}:lease
  KEYS[2] message hash        courier:{s}:msg:<id>
  ARGV[1] message id
  ARGV[2] lease token
  Returns 1 done, 0 the lease is no longer ours (or the message was cancelled)
]]
if redis.call('HGET', KEYS[2], 'l') ~= ARGV[2] then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
return 1
