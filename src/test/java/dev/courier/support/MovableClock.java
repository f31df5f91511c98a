package dev.courier.support;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock a test sets and moves, shared by the nodes it starts: schedules fire by it without minutes of waiting. */
public final class MovableClock extends Clock {
  private final AtomicLong millis;

  public MovableClock(Instant start) {
    this.millis = new AtomicLong(start.toEpochMilli());
  }

  public long advance(long ms) {
    return millis.addAndGet(ms);
  }

  public void set(long ms) {
    millis.set(ms);
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
