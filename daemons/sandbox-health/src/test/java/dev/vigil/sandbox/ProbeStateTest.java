package dev.vigil.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.core.HealthStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A probe's state from run to run: the history it keeps. */
class ProbeStateTest {
  @TempDir Path dir;

  @Test
  void historyKeepsTheLatestRunsOldestFirst() {
    ProbeSpec spec = Fixtures.module("probes = [{ id = d, kind = disk, path = \".\", min-free-bytes = 1 }]", Map.of(), dir)
        .book().probes().getFirst();
    Instant t0 = Instant.parse("2026-11-27T12:00:00Z");
    ProbeState s = ProbeState.initial();
    for (int i = 0; i < 5; i++) {
      Outcome raw = i % 2 == 0 ? Outcome.healthy("ok") : Outcome.unhealthy(Outcome.DISK_LOW, "low");
      s = s.next(spec, raw.withLatency(i * 1_000_000L), t0.plusSeconds(i), false, 3, Optional.empty());
      assertThat(s.history()).hasSize(Math.min(i + 1, 3));
    }
    assertThat(s.history()).extracting(ProbeState.Run::at)
        .containsExactly(t0.plusSeconds(2), t0.plusSeconds(3), t0.plusSeconds(4));
    assertThat(s.history()).extracting(ProbeState.Run::status)
        .containsExactly(HealthStatus.HEALTHY, HealthStatus.UNHEALTHY, HealthStatus.HEALTHY);
    assertThat(s.history()).extracting(ProbeState.Run::latencyMs).containsExactly(2L, 3L, 4L);
    ProbeState one = ProbeState.initial().next(spec, Outcome.healthy("ok"), t0, false, 1, Optional.empty())
        .next(spec, Outcome.healthy("ok"), t0.plusSeconds(1), false, 1, Optional.empty());
    assertThat(one.history()).extracting(ProbeState.Run::at).containsExactly(t0.plusSeconds(1));
  }
}
