-- The event log, version 2 on H2: as ../V2__filter_indexes.sql without the topic, queue and schedule indexes.
-- H2 reads a LEFT JOIN from its left table, so a page always goes along eventlog_event_time (or, for messageId,
-- eventlog_event_message) and those indexes would only cost: every index entry is a write at each commit.

-- messageId / messageIds (through eventlog_message_id), and the trim's "still referenced?" probe.
CREATE INDEX IF NOT EXISTS eventlog_event_message ON eventlog_event (msg_seq, event_time);

-- The trim of message rows whose events are all gone, oldest first.
CREATE INDEX IF NOT EXISTS eventlog_message_created ON eventlog_message (created_at, msg_seq);
