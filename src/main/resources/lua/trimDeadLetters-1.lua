--[[
  Deletes dead letters older than the retention, at most ARGV[3] of them (the oldest first), so that one
  call stays short however many expired at once; the caller calls again while it deleted a full batch.

  KEYS[1] dlq sorted set          courier:{s}:dlq
  ARGV[1] retention cut-off, unix ms: dead letters that failed before it are deleted
  ARGV[2] dead letter key prefix  courier:{s}:dlq:
  ARGV[3] most to delete
  Returns how many were deleted
]]
-- @include dlq
return trimExpired(KEYS[1], ARGV[2], ARGV[1], tonumber(ARGV[3]))
