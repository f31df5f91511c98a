-- The event log, version 2: indexes for the filters that pick few messages out of many, and for the trim.
-- Not on url, path, host, caller_ip or flow_control_key: a PostgreSQL B-tree refuses entries over ~2.7 kB (an
-- insert failing on a long URL would stall the writer), and those filters are read along eventlog_event_time.
-- H2 has its own version of this file (h2/), without the indexes its planner does not use.

-- messageId / messageIds (through eventlog_message_id), and the trim's "still referenced?" probe.
CREATE INDEX IF NOT EXISTS eventlog_event_message ON eventlog_event (msg_seq, event_time);

-- From a topic, queue or schedule to its messages, then to their events: PostgreSQL's planner takes this way when
-- the filter picks few messages, and reads along eventlog_event_time otherwise.
CREATE INDEX IF NOT EXISTS eventlog_message_topic ON eventlog_message (topic_name, msg_seq);
CREATE INDEX IF NOT EXISTS eventlog_message_queue ON eventlog_message (queue_name, msg_seq);
CREATE INDEX IF NOT EXISTS eventlog_message_schedule ON eventlog_message (schedule_id, msg_seq);

-- The trim of message rows whose events are all gone, oldest first.
CREATE INDEX IF NOT EXISTS eventlog_message_created ON eventlog_message (created_at, msg_seq);
