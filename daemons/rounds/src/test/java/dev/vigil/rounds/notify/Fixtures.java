package dev.vigil.rounds.notify;

import dev.vigil.rounds.diagnosis.Confidence;
import dev.vigil.rounds.diagnosis.Diagnosis;
import dev.vigil.rounds.diagnosis.SignatureFacts;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The checkout story of the wire reference, as notifications. */
final class Fixtures {
  static final Instant FIRST = Instant.parse("2026-03-14T09:26:53.360Z");
  static final Instant LAST = Instant.parse("2026-03-14T11:26:53.360Z");

  private Fixtures() {}

  static SignatureFacts signature(long id, long count) {
    return new SignatureFacts(
        id,
        String.format("%04x", id) + "9f2c4e1a7b3d" + "0".repeat(48),
        "checkout",
        "java.lang.IllegalStateException",
        "cart is empty",
        List.of("com.acme.shop.OrderService::place"),
        count,
        FIRST,
        LAST);
  }

  static Diagnosis diagnosis(Confidence confidence) {
    return new Diagnosis(
        "OrderService.place is called with an empty cart",
        List.of("OrderService.java:42 throws when items is empty"),
        "Reject empty carts in CheckoutController",
        confidence,
        "claude-sonnet-4-5",
        Optional.of(new BigDecimal("0.00423")),
        Duration.ofMillis(2114));
  }

  static Notification.Diagnosed diagnosed(long id) {
    return new Notification.Diagnosed(signature(id, 17), diagnosis(Confidence.HIGH));
  }
}
