-- The event log, version 5 on H2: as ../V5__message_key.sql (whose comments say why) but for H2's string functions,
-- and the index of message keys in place of the index of message ids: a number compares in one step where an id
-- compares character by character past its long common prefix, and keys of layout 3's ids grow with time, so the
-- index grows at its end.
ALTER TABLE eventlog_run ADD COLUMN message_key BIGINT;

ALTER TABLE eventlog_run ADD COLUMN key_chars VARCHAR;

UPDATE eventlog_run SET key_chars = SUBSTRING(message_id, CASE WHEN LOCATE('_', message_id, 5) > 0
    THEN LOCATE('_', message_id, 5) + 1 ELSE 5 END, 10);

UPDATE eventlog_run SET message_key = CAST(GREATEST(LOCATE(SUBSTRING(key_chars, 1, 1), '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 13537086546263552
    + CAST(GREATEST(LOCATE(SUBSTRING(key_chars, 2, 1), '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 218340105584896
    + CAST(GREATEST(LOCATE(SUBSTRING(key_chars, 3, 1), '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 3521614606208
    + CAST(GREATEST(LOCATE(SUBSTRING(key_chars, 4, 1), '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 56800235584
    + CAST(GREATEST(LOCATE(SUBSTRING(key_chars, 5, 1), '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 916132832
    + CAST(GREATEST(LOCATE(SUBSTRING(key_chars, 6, 1), '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 14776336
    + CAST(GREATEST(LOCATE(SUBSTRING(key_chars, 7, 1), '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 238328
    + CAST(GREATEST(LOCATE(SUBSTRING(key_chars, 8, 1), '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 3844
    + CAST(GREATEST(LOCATE(SUBSTRING(key_chars, 9, 1), '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 62
    + CAST(GREATEST(LOCATE(SUBSTRING(key_chars, 10, 1), '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT);

ALTER TABLE eventlog_run DROP COLUMN key_chars;

ALTER TABLE eventlog_run ALTER COLUMN message_key SET NOT NULL;

CREATE INDEX IF NOT EXISTS eventlog_run_key ON eventlog_run (message_key);

DROP INDEX IF EXISTS eventlog_run_message;
