package dev.vigil.rounds.diagnosis;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Model prices in USD per million tokens, from configuration. A model is found by its exact name
 * or else by the longest configured name it starts with ({@code claude-sonnet-4-5-20250929} is
 * priced as {@code claude-sonnet-4-5}); a model not in the table has no price, and its cost is
 * reported as unknown rather than guessed.
 */
public final class PriceTable {

  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

  /**
   * The price of one model per million tokens.
   *
   * @param input uncached input tokens
   * @param output output tokens (thinking included)
   * @param cacheWrite input tokens written to the cache (5-minute cache; the 1-hour cache costs
   *     twice the input price)
   * @param cacheRead input tokens read from the cache
   */
  public record Price(BigDecimal input, BigDecimal output, BigDecimal cacheWrite, BigDecimal cacheRead) {
    /** Checks that no price is negative. */
    public Price {
      for (BigDecimal p : new BigDecimal[] {input, output, cacheWrite, cacheRead}) {
        Objects.requireNonNull(p, "price");
        if (p.signum() < 0) {
          throw new IllegalArgumentException("a price must not be negative: " + p);
        }
      }
    }

    /** Anthropic's usual cache multipliers: writes 1.25 times, reads 0.1 times the input price. */
    public static Price of(BigDecimal input, BigDecimal output) {
      return new Price(input, output, input.multiply(new BigDecimal("1.25")),
          input.multiply(new BigDecimal("0.1")));
    }

    /** The cost of these token counts. */
    public BigDecimal cost(long in, long out, long cacheWrite5m, long cacheWrite1h, long cacheRead) {
      BigDecimal total =
          input.multiply(BigDecimal.valueOf(in))
              .add(output.multiply(BigDecimal.valueOf(out)))
              .add(this.cacheWrite.multiply(BigDecimal.valueOf(cacheWrite5m)))
              .add(input.multiply(BigDecimal.valueOf(2 * cacheWrite1h)))
              .add(this.cacheRead.multiply(BigDecimal.valueOf(cacheRead)));
      return total.divide(MILLION, MathContext.DECIMAL64).stripTrailingZeros();
    }
  }

  private final TreeMap<String, Price> prices;

  /** A table of the given prices by model name. */
  public PriceTable(Map<String, Price> prices) {
    this.prices = new TreeMap<>(prices);
  }

  /** The price of {@code model}, if the table has it. */
  public Optional<Price> lookup(String model) {
    if (model == null) {
      return Optional.empty();
    }
    Price exact = prices.get(model);
    if (exact != null) {
      return Optional.of(exact);
    }
    String best = null;
    for (String name : prices.keySet()) {
      if (model.startsWith(name) && (best == null || name.length() > best.length())) {
        best = name;
      }
    }
    return Optional.ofNullable(best).map(prices::get);
  }
}
