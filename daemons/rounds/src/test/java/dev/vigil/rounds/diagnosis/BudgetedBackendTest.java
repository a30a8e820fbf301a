package dev.vigil.rounds.diagnosis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rounds.MutableClock;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BudgetedBackendTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-14T12:00:00Z"));
  private final InMemoryBudgetGate gate =
      new InMemoryBudgetGate(new BigDecimal("5.00"), ZoneOffset.UTC, clock);

  private static DiagnosisBackend answering(Optional<BigDecimal> cost) {
    return backend(
        ctx -> new Diagnosis("r", List.of(), "f", Confidence.HIGH, "m", cost, Duration.ZERO));
  }

  interface Call {
    Diagnosis call(InvestigationContext ctx) throws DiagnosisException;
  }

  private static DiagnosisBackend backend(Call call) {
    return new DiagnosisBackend() {
      @Override
      public String name() {
        return "fake";
      }

      @Override
      public boolean callsModel() {
        return true;
      }

      @Override
      public Diagnosis diagnose(InvestigationContext context) throws DiagnosisException {
        return call.call(context);
      }
    };
  }

  private Diagnosis run(DiagnosisBackend b) throws Exception {
    return new BudgetedBackend(b, gate, new BigDecimal("2.00")).diagnose(Contexts.context(Path.of(".")));
  }

  @Test
  void settlesToTheReportedCost() throws Exception {
    run(answering(Optional.of(new BigDecimal("0.42"))));
    assertThat(gate.snapshot().spentUsd()).isEqualByComparingTo("0.42");
    assertThat(gate.snapshot().reservedUsd()).isEqualByComparingTo("0");
  }

  @Test
  void anUnknownCostIsChargedTheWholeCap() throws Exception {
    run(answering(Optional.empty()));
    assertThat(gate.snapshot().spentUsd()).isEqualByComparingTo("2.00");
  }

  @Test
  void aFailureChargesWhatItCostOrNothing() {
    assertThatThrownBy(
            () ->
                run(backend(ctx -> {
                  throw new DiagnosisException(
                      DiagnosisException.Kind.MODEL_ERROR, "max turns", new BigDecimal("0.31"), null, null);
                })))
        .hasMessage("max turns");
    assertThatThrownBy(
            () -> run(backend(ctx -> {
              throw new DiagnosisException(DiagnosisException.Kind.REJECTED, "bad key");
            })))
        .hasMessage("bad key");
    assertThat(gate.snapshot().spentUsd()).isEqualByComparingTo("0.31");
    assertThatThrownBy(
            () -> run(backend(ctx -> {
              throw new DiagnosisException(DiagnosisException.Kind.TIMEOUT, "killed");
            })))
        .hasMessage("killed");
    assertThat(gate.snapshot().spentUsd()).isEqualByComparingTo("2.31");
    assertThat(gate.snapshot().reservedUsd()).isEqualByComparingTo("0");
  }

  @Test
  void noRoomMeansNoCall() throws Exception {
    run(answering(Optional.of(new BigDecimal("4.00"))));
    assertThatThrownBy(() -> run(backend(ctx -> {
          throw new AssertionError("must not be called");
        })))
        .isInstanceOfSatisfying(
            DiagnosisException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(DiagnosisException.Kind.BUDGET_EXHAUSTED);
              assertThat(e.retryAfter()).contains(Instant.parse("2026-03-15T00:00:00Z"));
            });
  }
}
