package dev.vigil.rounds;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock tests move by hand, shared by the rounds module's tests. */
public final class MutableClock extends Clock {
  private volatile Instant now;

  /** A clock at {@code start}, in UTC. */
  public MutableClock(Instant start) {
    this.now = start;
  }

  /** Moves the clock on by {@code d}. */
  public void advance(Duration d) {
    now = now.plus(d);
  }

  /** Sets the clock to {@code t}. */
  public void set(Instant t) {
    now = t;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Instant instant() {
    return now;
  }
}
