-- The event log, version 2: indexes for the filters that pick few messages out of many, and for the trim.
-- Not on url, path, host, caller_ip or flow_control_key: a PostgreSQL B-tree refuses entries over ~2.7 kB, and an
-- insert that fails on a long URL would stall the writer; those filters are read along eventlog_event_time.

-- messageId / messageIds, the join from a message to its events, and the trim's "still referenced?" probe.
CREATE INDEX IF NOT EXISTS eventlog_event_message ON eventlog_event (message_id, event_time);

-- label: from a label to its messages (the primary key goes the other way, from a message to its labels).
CREATE INDEX IF NOT EXISTS eventlog_label_label ON eventlog_label (label, message_id);

CREATE INDEX IF NOT EXISTS eventlog_message_topic ON eventlog_message (topic_name);
CREATE INDEX IF NOT EXISTS eventlog_message_queue ON eventlog_message (queue_name);
CREATE INDEX IF NOT EXISTS eventlog_message_schedule ON eventlog_message (schedule_id);

-- The trim of message rows whose events are all gone, oldest first.
CREATE INDEX IF NOT EXISTS eventlog_message_created ON eventlog_message (created_at);
