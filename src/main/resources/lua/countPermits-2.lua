--[[
  What the shard's gates hold, for the metrics (BacklogSampler, every metrics.sample-interval): the permits
  taken in its queues and in its flow-control keys, and how many of each there are. Read-only; one SCARD per
  gate, so its cost is bounded by queues.max-queues and flow-control.max-keys, and paid once per sample, never
  per message.

  KEYS[1] queue registry      courier:{s}:gates
  KEYS[2] flow-control keys   courier:{s}:flows
  ARGV[1] gate key prefix     courier:{s}:gate:
  Returns {queue permits, flow-control permits, queues, flow-control keys}
]]
local function permits(registry)
  local gates = redis.call('SMEMBERS', registry)
  local n = 0
  for _, g in ipairs(gates) do
    n = n + redis.call('SCARD', ARGV[1] .. g .. ':active')
  end
  return n, #gates
end
local qp, q = permits(KEYS[1])
local fp, f = permits(KEYS[2])
return {qp, fp, q, f}
