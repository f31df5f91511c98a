-- The event log, version 5: message_key, a message id as a number (dev.courier.eventlog.MessageKey: the ten
-- characters after the id's msg_<shard>_ prefix read as base62, non-base62 or missing characters as 0, an id without
-- a shard prefix read from its fifth character). Every lookup of a message compares key and id, so the key need not
-- be unique. On H2 it replaces the index of message ids (h2/V5__message_key.sql), which cost a quarter to a third of
-- what a row costs H2 to store (performance.md, session 15). PostgreSQL keeps its unique index of (message_id, run_key),
-- which the lookups use, and has the column so that both databases answer the same statements.
-- H2 has its own version of this file (h2/): the same but for its string functions and indexes.
ALTER TABLE eventlog_run ADD COLUMN message_key BIGINT;

ALTER TABLE eventlog_run ADD COLUMN key_chars TEXT;

UPDATE eventlog_run SET key_chars = SUBSTRING(message_id FROM (CASE WHEN POSITION('_' IN SUBSTRING(message_id FROM 5)) > 0
    THEN POSITION('_' IN SUBSTRING(message_id FROM 5)) + 5 ELSE 5 END) FOR 10);

UPDATE eventlog_run SET message_key = CAST(GREATEST(POSITION(SUBSTRING(key_chars FROM 1 FOR 1) IN '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 13537086546263552
    + CAST(GREATEST(POSITION(SUBSTRING(key_chars FROM 2 FOR 1) IN '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 218340105584896
    + CAST(GREATEST(POSITION(SUBSTRING(key_chars FROM 3 FOR 1) IN '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 3521614606208
    + CAST(GREATEST(POSITION(SUBSTRING(key_chars FROM 4 FOR 1) IN '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 56800235584
    + CAST(GREATEST(POSITION(SUBSTRING(key_chars FROM 5 FOR 1) IN '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 916132832
    + CAST(GREATEST(POSITION(SUBSTRING(key_chars FROM 6 FOR 1) IN '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 14776336
    + CAST(GREATEST(POSITION(SUBSTRING(key_chars FROM 7 FOR 1) IN '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 238328
    + CAST(GREATEST(POSITION(SUBSTRING(key_chars FROM 8 FOR 1) IN '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 3844
    + CAST(GREATEST(POSITION(SUBSTRING(key_chars FROM 9 FOR 1) IN '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT) * 62
    + CAST(GREATEST(POSITION(SUBSTRING(key_chars FROM 10 FOR 1) IN '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') - 1, 0) AS BIGINT);

ALTER TABLE eventlog_run DROP COLUMN key_chars;

ALTER TABLE eventlog_run ALTER COLUMN message_key SET NOT NULL;
