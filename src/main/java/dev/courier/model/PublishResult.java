package dev.courier.model;

/** What a publish answers: the stored id, or the original id when deduplicated. */
public record PublishResult(String messageId, String url, boolean deduplicated) {}
