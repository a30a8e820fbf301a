package dev.vigil.rounds.diagnosis;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** The checkout story of the wire reference, as investigation contexts for tests. */
final class Contexts {
  static final Instant FIRST = Instant.parse("2026-03-14T09:26:53.360Z");
  static final Instant LAST = Instant.parse("2026-03-14T11:26:53.360Z");

  private Contexts() {}

  static SignatureFacts facts() {
    return new SignatureFacts(
        42,
        "9f2c4e1a7b3d5f60" + "0".repeat(48),
        "checkout",
        "java.lang.IllegalStateException",
        "cart is empty",
        List.of("com.acme.shop.OrderService::place", "com.acme.shop.CheckoutController::submit"),
        17,
        FIRST,
        LAST);
  }

  static InvestigationContext context(Path codebase) {
    return new InvestigationContext(
        facts(),
        List.of(
            new InvestigationContext.SampleRef(
                "5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c", "0c9d8e7f6a5b4c3d", LAST, "cart is empty")),
        "POST /checkout (a1b2c3d4e5f60718) 250 ms\n"
            + "  checkout.place (0c9d8e7f6a5b4c3d) 245 ms ERROR cart.size=0\n",
        "2026-03-14T09:26:53.300Z WARN checkout cart 7 has no items\n",
        List.of(
            new InvestigationContext.SimilarSignature(
                7, "java.lang.IllegalStateException: cart is locked", "resolved",
                "two tabs submit the same cart", "lock per cart id")),
        codebase);
  }
}
