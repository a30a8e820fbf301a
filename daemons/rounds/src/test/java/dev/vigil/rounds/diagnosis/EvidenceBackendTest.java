package dev.vigil.rounds.diagnosis;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class EvidenceBackendTest {

  @Test
  void reportsTheEvidenceAndSaysItIsNotADiagnosis() {
    EvidenceBackend backend =
        new EvidenceBackend(Clock.fixed(Contexts.LAST, ZoneOffset.UTC));
    Diagnosis d = backend.diagnose(Contexts.context(Path.of("/srv/app")));
    assertThat(backend.callsModel()).isFalse();
    assertThat(d.confidence()).isEqualTo(Confidence.LOW);
    assertThat(d.model()).isEqualTo("none");
    assertThat(d.costUsd()).contains(BigDecimal.ZERO);
    assertThat(d.duration()).isEqualTo(Duration.ZERO);
    assertThat(d.rootCause())
        .isEqualTo(
            "No model configured: this is the evidence, not a diagnosis. "
                + "java.lang.IllegalStateException: cart is empty in service checkout, at "
                + "com.acme.shop.OrderService::place; 17 occurrences since "
                + "2026-03-14T09:26:53Z (last 2026-03-14T11:26:53Z).");
    assertThat(d.evidence())
        .containsExactly(
            "where: checkout, java.lang.IllegalStateException: cart is empty",
            "how often: 17 between 2026-03-14T09:26:53Z and 2026-03-14T11:26:53Z"
                + " (about 8.5 per hour)",
            "frames (innermost first): com.acme.shop.OrderService::place"
                + " <- com.acme.shop.CheckoutController::submit",
            "sample 2026-03-14T11:26:53Z trace 5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c"
                + " span 0c9d8e7f6a5b4c3d: cart is empty",
            "trace: POST /checkout (a1b2c3d4e5f60718) 250 ms",
            "log: 2026-03-14T09:26:53.300Z WARN checkout cart 7 has no items",
            "similar: #7 [resolved] java.lang.IllegalStateException: cart is locked;"
                + " root cause: two tabs submit the same cart; fix: lock per cart id");
    assertThat(d.suggestedFix()).contains("Start reading at com.acme.shop.OrderService::place in /srv/app");
  }

  @Test
  void isDeterministic() {
    EvidenceBackend backend = new EvidenceBackend(Clock.fixed(Contexts.LAST, ZoneOffset.UTC));
    assertThat(backend.diagnose(Contexts.context(Path.of("."))))
        .isEqualTo(backend.diagnose(Contexts.context(Path.of("."))));
  }
}
