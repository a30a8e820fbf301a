package dev.vigil.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class HealthCheckResultTest {

  // ---------------------------------------------------------------- factories

  @Test
  void okIsHealthyWithNothingToSay() {
    HealthCheckResult r = HealthCheckResult.ok();
    assertThat(r.healthy()).isTrue();
    assertThat(r.status()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(r.message()).isEmpty();
    assertThat(r.details()).isEmpty();
  }

  @Test
  void okWithAMessage() {
    HealthCheckResult r = HealthCheckResult.ok("3 peers");
    assertThat(r)
        .isEqualTo(new HealthCheckResult(true, HealthStatus.HEALTHY, "3 peers", Map.of()));
  }

  @Test
  void degradedCountsAsHealthy() {
    HealthCheckResult r = HealthCheckResult.degraded("1 of 3 peers down");
    assertThat(r.healthy()).isTrue();
    assertThat(r.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(r.message()).isEqualTo("1 of 3 peers down");
  }

  @Test
  void unhealthyIsNotHealthy() {
    HealthCheckResult r = HealthCheckResult.unhealthy("no peers");
    assertThat(r.healthy()).isFalse();
    assertThat(r.status()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(r.message()).isEqualTo("no peers");
  }

  @Test
  void unknownIsNotHealthy() {
    HealthCheckResult r = HealthCheckResult.unknown("not checked");
    assertThat(r.healthy()).isFalse();
    assertThat(r.status()).isEqualTo(HealthStatus.UNKNOWN);
    assertThat(r.message()).isEqualTo("not checked");
  }

  @ParameterizedTest
  @CsvSource({"HEALTHY, true", "DEGRADED, true", "UNHEALTHY, false", "UNKNOWN, false"})
  void ofDerivesHealthyFromStatus(HealthStatus status, boolean healthy) {
    HealthCheckResult r = HealthCheckResult.of(status, "m", Map.of("k", 1));
    assertThat(r.healthy()).isEqualTo(healthy);
    assertThat(r.status()).isEqualTo(status);
    assertThat(r.details()).containsExactly(Map.entry("k", 1));
  }

  // ---------------------------------------------------------------- the constructor's checks

  @ParameterizedTest
  @CsvSource({
    "false, HEALTHY",
    "false, DEGRADED",
    "true, UNHEALTHY",
    "true, UNKNOWN",
  })
  void constructorRejectsAHealthyFlagThatContradictsTheStatus(
      boolean healthy, HealthStatus status) {
    assertThatThrownBy(() -> new HealthCheckResult(healthy, status, "", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("healthy=" + healthy + " contradicts status " + status.wireName());
  }

  @ParameterizedTest
  @CsvSource({"true, HEALTHY", "true, DEGRADED", "false, UNHEALTHY", "false, UNKNOWN"})
  void constructorAcceptsAgreeingValues(boolean healthy, HealthStatus status) {
    assertThat(new HealthCheckResult(healthy, status, "x", Map.of()).healthy()).isEqualTo(healthy);
  }

  @Test
  void statusIsRequired() {
    assertThatThrownBy(() -> new HealthCheckResult(true, null, "", Map.of()))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void nullMessageAndDetailsBecomeEmpty() {
    HealthCheckResult r = new HealthCheckResult(false, HealthStatus.UNKNOWN, null, null);
    assertThat(r.message()).isEmpty();
    assertThat(r.details()).isEmpty();
  }

  @Test
  void detailsAreCopiedAndImmutable() {
    Map<String, Object> source = new HashMap<>();
    source.put("lag", 12);
    HealthCheckResult r = HealthCheckResult.of(HealthStatus.DEGRADED, "lagging", source);
    source.put("lag", 99);
    source.put("extra", true);

    assertThat(r.details()).containsExactly(Map.entry("lag", 12));
    assertThatThrownBy(() -> r.details().put("x", 1))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void withDetailsReplacesTheDetailsOnly() {
    HealthCheckResult before = HealthCheckResult.degraded("slow");
    Map<String, Object> more = new HashMap<>(Map.of("p99_ms", 850));

    HealthCheckResult after = before.withDetails(more);
    more.clear();

    assertThat(after.status()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(after.healthy()).isTrue();
    assertThat(after.message()).isEqualTo("slow");
    assertThat(after.details()).containsExactly(Map.entry("p99_ms", 850));
    assertThat(before.details()).isEmpty();
  }

  // ---------------------------------------------------------------- HealthStatus

  @Test
  void wireNamesAreLowerCase() {
    assertThat(HealthStatus.HEALTHY.wireName()).isEqualTo("healthy");
    assertThat(HealthStatus.DEGRADED.wireName()).isEqualTo("degraded");
    assertThat(HealthStatus.UNHEALTHY.wireName()).isEqualTo("unhealthy");
    assertThat(HealthStatus.UNKNOWN.wireName()).isEqualTo("unknown");
  }

  @ParameterizedTest
  @EnumSource(HealthStatus.class)
  void fromWireReadsBackTheWireName(HealthStatus status) {
    assertThat(HealthStatus.fromWire(status.wireName())).isEqualTo(status);
  }

  @ParameterizedTest
  @CsvSource({
    "DEGRADED, DEGRADED",
    "Healthy, HEALTHY",
    "'  unknown ', UNKNOWN",
    "UnHealthy, UNHEALTHY"
  })
  void fromWireIgnoresCaseAndSurroundingSpace(String wire, HealthStatus expected) {
    assertThat(HealthStatus.fromWire(wire)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "ok", "sick", "health y"})
  void fromWireRejectsOtherNames(String wire) {
    assertThatThrownBy(() -> HealthStatus.fromWire(wire))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
