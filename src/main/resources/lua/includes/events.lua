--[[
  The outbox of the event log (qstash-api.md §12, issue #18): a script that changes a message's state
  records the change in the shard's stream, in the same atomic step, so an event is in the log exactly when
  its change happened (a fenced-off ack records nothing). The node's event-log writer reads the stream with a
  consumer group and stores the events in the database (dev.courier.eventlog.OutboxWriter).

  The outbox key is the script's last key, passed only while the event log is on (KEYS[n + 1] for a script of
  n keys); without it every function here does nothing. One script call appends one stream entry, however
  many events it holds (a claim of 100 messages is one XADD, not 100):
    t <now>            the time of the change, unix ms (absent: the entry id's time)
    <state> <id>       an event: C created, A active, D delivered, E error, R retry, F failed,
                       Q cancel requested, X canceled (one upper-case letter)
    <field> <value>    a detail of the event before it (lower-case): m the stored message (on C),
                       n the next delivery time (on R), status / headers / body / error (on E)
  A stream entry repeats field names freely; the writer reads it in order.
]]
local outboxKey, outboxNow, outbox = nil, nil, {}

-- Opens the outbox of this call: key is nil when the event log is off; now may be nil.
local function openOutbox(key, now)
  outboxKey, outboxNow = key, now
end

-- Writes what was gathered (every script that opened the outbox calls it before it returns).
local function flushEvents()
  if outboxKey and #outbox > 0 then
    if outboxNow then
      redis.call('XADD', outboxKey, '*', 't', outboxNow, unpack(outbox))
    else
      redis.call('XADD', outboxKey, '*', unpack(outbox))
    end
    outbox = {}
  end
end

local function logEvent(state, id)
  if outboxKey then
    if #outbox >= 6000 then
      flushEvents() -- Lua's unpack takes about 8000 values: a huge batch becomes several entries
    end
    outbox[#outbox + 1] = state
    outbox[#outbox + 1] = id
  end
end

-- A detail of the event logged last.
local function logDetail(field, value)
  if outboxKey then
    outbox[#outbox + 1] = field
    outbox[#outbox + 1] = value
  end
end
