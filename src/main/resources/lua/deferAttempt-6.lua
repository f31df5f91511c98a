--[[
  Puts a claimed message back on the wheel without an attempt: its dispatcher did not start one, because
  the destination's host held its whole share of the node's credit and had stopped answering
  (HostShare). No attempt is counted and no event logged: the message simply waits again, as it did
  before the claim, and is claimed again at ARGV[3]. Fenced by the lease (see ackDelivered); a queued
  message keeps its permit, a flow-controlled one gives it back (backOnWheel in gates.lua). A gated
  message cancelled since its claim leaves its gate here.

  KEYS[1] lease sorted set    courier:{s}:lease
  KEYS[2] due sorted set      courier:{s}:due
  KEYS[3] message hash        courier:{s}:msgs
  KEYS[4] retried hash        courier:{s}:retried
  KEYS[5] gated hash          courier:{s}:gated
  KEYS[6] runnable set        courier:{s}:runnable
  ARGV[1] message id
  ARGV[2] lease token
  ARGV[3] due time, unix ms
  ARGV[4] gate key prefix     courier:{s}:gate:
  ARGV[5] '1' when the message is flow-controlled, '0' when not
  Returns 1 done (3 if that freed a permit on a gate with ready work), 0 the lease is no longer ours (or
  the message was cancelled; 2 if that freed such a permit)
]]
-- @include gates
local ended = endLease(KEYS[1], KEYS[3], KEYS[4], KEYS[5], ARGV[4], KEYS[6], ARGV[1], ARGV[2])
if ended then
  return ended
end
return backOnWheel(KEYS[2], KEYS[5], ARGV[4], KEYS[6], ARGV[1], ARGV[3], ARGV[5])
