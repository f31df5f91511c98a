package dev.courier.model;

/**
 * A message's callback or failure callback as its publish configured it (qstash-api.md §3, §10): where the
 * callback message goes and how it is sent. Null fields take the source message's value when the callback
 * message is made (its retries and timeout default to the source's).
 *
 * @param headers encoded with {@link HeaderCodec}: the {@code Upstash-(Failure-)Callback-Forward-*} headers
 * @param delayMs how long after the attempt the callback message is due
 */
public record CallbackSpec(String url, String method, Integer retries, Long timeoutMs, long delayMs,
    String retryDelayExpression, String headers) {

  /** One string for the stored form: the fields on lines, the headers (which hold line breaks) last. */
  public String encode() {
    return url + '\n' + method + '\n' + (retries == null ? "" : retries) + '\n' + (timeoutMs == null ? "" : timeoutMs)
        + '\n' + delayMs + '\n' + (retryDelayExpression == null ? "" : retryDelayExpression) + '\n' + headers;
  }

  public static CallbackSpec decode(String s) {
    String[] f = s.split("\n", 7);
    return new CallbackSpec(f[0], f[1], f[2].isEmpty() ? null : Integer.valueOf(f[2]),
        f[3].isEmpty() ? null : Long.valueOf(f[3]), Long.parseLong(f[4]), f[5].isEmpty() ? null : f[5], f[6]);
  }
}
