package dev.courier.model;

/**
 * A message's flow-control key and the limits it asked for (qstash-api.md §16): at most
 * {@code parallelism} attempts of the key in flight and {@code rate} attempts started per
 * {@code periodMs}, across every node. 0 means "not given" for each limit.
 */
public record FlowControl(String key, int parallelism, int rate, long periodMs) {
  /** The form stored in a message ({@link MessageCodec}): "parallelism,rate,periodMs". */
  public String limits() {
    return parallelism + "," + rate + "," + periodMs;
  }

  /** Reads {@link #limits()} back. */
  public static FlowControl of(String key, String limits) {
    String[] p = limits.split(",");
    return new FlowControl(key, Integer.parseInt(p[0]), Integer.parseInt(p[1]), Long.parseLong(p[2]));
  }
}
