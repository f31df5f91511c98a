-- The event log, version 4 on H2: as ../V4__packed_message.sql (whose comments say why) but for H2's JSON
-- functions.
ALTER TABLE eventlog_run ADD COLUMN message TEXT;

UPDATE eventlog_run SET message = CAST(JSON_OBJECT('createdAt': created_at, 'method': method,
    'header': header_json FORMAT JSON, 'body': body, 'endpointName': endpoint_name,
    'labels': labels_json FORMAT JSON, 'timeout': timeout_ms, 'maxRetries': max_retries,
    'retryDelayExpression': retry_delay_expression, 'callback': callback, 'failureCallback': failure_callback
    ABSENT ON NULL) AS VARCHAR)
WHERE known;

ALTER TABLE eventlog_run DROP COLUMN created_at, method, header_json, body, endpoint_name, labels_json, timeout_ms,
  max_retries, retry_delay_expression, callback, failure_callback;
