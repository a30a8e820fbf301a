package dev.vigil.rounds.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rounds.MutableClock;
import dev.vigil.rounds.diagnosis.Confidence;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class NotificationDispatcherTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-14T12:00:00Z"));
  private final InMemoryNotificationQueue queue = new InMemoryNotificationQueue();

  /** A notifier that records what it delivered and fails as told. */
  static final class Scripted implements Notifier {
    final String name;
    final List<String> delivered = new ArrayList<>();
    final Deque<NotificationException> failures = new ArrayDeque<>();

    Scripted(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void send(Notification n) throws NotificationException {
      NotificationException f = failures.poll();
      if (f != null) {
        throw f;
      }
      delivered.add(n.kind() + " " + n.signature().id());
    }
  }

  private NotificationDispatcher dispatcher(Notifier... notifiers) {
    return new NotificationDispatcher(
        List.of(notifiers),
        new NotificationPolicy(Duration.ofMinutes(30), EnumSet.of(Confidence.HIGH, Confidence.MEDIUM),
            Duration.ofSeconds(10), Duration.ofMinutes(5), 4),
        queue, clock);
  }

  @Test
  void confidencesAndCooldownDecideWhatGoesOut() {
    Scripted a = new Scripted("a");
    NotificationDispatcher d = dispatcher(a);
    assertThat(d.submit(new Notification.Diagnosed(Fixtures.signature(1, 3), Fixtures.diagnosis(Confidence.LOW))))
        .isEqualTo(NotificationDispatcher.Outcome.FILTERED);
    assertThat(d.submit(Fixtures.diagnosed(1))).isEqualTo(NotificationDispatcher.Outcome.SENT);
    clock.advance(Duration.ofMinutes(29));
    assertThat(d.submit(new Notification.Recurred(Fixtures.signature(1, 9))))
        .isEqualTo(NotificationDispatcher.Outcome.COOLDOWN);
    assertThat(d.submit(Fixtures.diagnosed(2))).isEqualTo(NotificationDispatcher.Outcome.SENT);
    // resolutions and regressions are never held back
    assertThat(d.submit(new Notification.Resolved(Fixtures.signature(1, 9), "")))
        .isEqualTo(NotificationDispatcher.Outcome.SENT);
    clock.advance(Duration.ofMinutes(1));
    assertThat(d.submit(new Notification.Recurred(Fixtures.signature(2, 9))))
        .isEqualTo(NotificationDispatcher.Outcome.COOLDOWN);
    clock.advance(Duration.ofMinutes(30));
    assertThat(d.submit(new Notification.Recurred(Fixtures.signature(1, 9))))
        .isEqualTo(NotificationDispatcher.Outcome.SENT);
    assertThat(a.delivered).containsExactly("diagnosed 1", "diagnosed 2", "resolved 1", "recurred 1");
  }

  @Test
  void aFailureIsRetriedWithBackoffInOrderAndNeverLost() {
    Scripted good = new Scripted("good");
    Scripted flaky = new Scripted("flaky");
    NotificationDispatcher d = dispatcher(good, flaky);
    for (int i = 0; i < 3; i++) {
      flaky.failures.add(NotificationException.transientFailure("down " + i, null));
    }
    d.submit(Fixtures.diagnosed(1));
    d.submit(new Notification.Resolved(Fixtures.signature(1, 3), "")); // queued behind
    d.submit(Fixtures.diagnosed(2)); // another signature is not held back
    assertThat(good.delivered).containsExactly("diagnosed 1", "resolved 1", "diagnosed 2");
    assertThat(flaky.delivered).isEmpty(); // "down 1" failed signature 2's first try too
    assertThat(d.pending()).extracting(NotificationQueue.Pending::attempts).containsExactly(1, 0, 1);
    assertThat(d.pending().get(0).dueAt()).isEqualTo(clock.instant().plusSeconds(10));
    clock.advance(Duration.ofSeconds(10));
    assertThat(d.retryDue()).isEqualTo(1); // "down 2" for signature 1, then signature 2 goes
    assertThat(d.pending().get(0).attempts()).isEqualTo(2);
    assertThat(d.pending().get(0).dueAt()).isEqualTo(clock.instant().plusSeconds(20));
    assertThat(d.pending().get(0).lastError()).isEqualTo("down 2");
    clock.advance(Duration.ofSeconds(20));
    assertThat(d.retryDue()).isEqualTo(2);
    assertThat(flaky.delivered).containsExactly("diagnosed 2", "diagnosed 1", "resolved 1");
    assertThat(d.pending()).isEmpty();
  }

  @Test
  void permanentFailuresAndTooManyAttemptsAreParkedNotDropped() {
    Scripted s = new Scripted("s");
    NotificationDispatcher d = dispatcher(s);
    s.failures.add(NotificationException.permanent("422 validation failed"));
    d.submit(Fixtures.diagnosed(1));
    assertThat(d.pending()).singleElement().satisfies(p -> {
      assertThat(p.parked()).isTrue();
      assertThat(p.lastError()).isEqualTo("422 validation failed");
      assertThat(p.notification()).isEqualTo(Fixtures.diagnosed(1));
    });
    // a parked entry holds nothing back
    clock.advance(Duration.ofHours(1));
    d.submit(new Notification.Resolved(Fixtures.signature(1, 3), ""));
    assertThat(s.delivered).containsExactly("resolved 1");
    for (int i = 0; i < 4; i++) {
      s.failures.add(NotificationException.transientFailure("timeout", null));
    }
    d.submit(Fixtures.diagnosed(2));
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofMinutes(5));
      d.retryDue();
    }
    assertThat(d.pending()).hasSize(2).allMatch(NotificationQueue.Pending::parked);
    assertThat(d.pending().get(1).attempts()).isEqualTo(4);
  }

  @Test
  void aServersRetryTimeWinsOverAShorterBackoff() {
    Scripted s = new Scripted("s");
    NotificationDispatcher d = dispatcher(s);
    s.failures.add(new NotificationException("rate limited", true, clock.instant().plusSeconds(60), null));
    d.submit(Fixtures.diagnosed(1));
    assertThat(d.pending().get(0).dueAt()).isEqualTo(clock.instant().plusSeconds(60));
  }

  @Test
  void backoffDoublesUpToTheMax() {
    NotificationPolicy p = new NotificationPolicy(Duration.ZERO, EnumSet.allOf(Confidence.class),
        Duration.ofSeconds(30), Duration.ofMinutes(2), 5);
    assertThat(List.of(p.retryDelay(1), p.retryDelay(2), p.retryDelay(3), p.retryDelay(4), p.retryDelay(40)))
        .containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120),
            Duration.ofSeconds(120), Duration.ofSeconds(120));
  }
}
