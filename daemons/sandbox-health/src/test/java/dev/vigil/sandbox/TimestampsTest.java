package dev.vigil.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TimestampsTest {
  @Test
  void writesInstantsExactlyAsInstantToStringDoes() {
    long[] seconds = {0, -1, 1, 86_399, 86_400, 951_782_400L /* 2000-02-29 */, 1_795_000_000L,
        -62_167_219_200L, -62_167_219_201L, 253_402_300_799L, 253_402_300_800L, -1_000_000_000_000L};
    int[] nanos = {0, 1, 999, 1_000, 120_000, 1_000_000, 5_000_000, 999_999_999, 123_456_789, 100_000_000};
    for (long s : seconds) {
      for (int n : nanos) {
        Instant t = Instant.ofEpochSecond(s, n);
        assertThat(Timestamps.iso(t)).as("%s", t).isEqualTo(t.toString());
      }
    }
    SplittableRandom random = new SplittableRandom(8);
    for (int i = 0; i < 100_000; i++) {
      Instant t = Instant.ofEpochSecond(random.nextLong(-70_000_000_000L, 260_000_000_000L),
          random.nextInt(4) == 0 ? random.nextInt(1000) * 1_000_000 : random.nextInt(1_000_000_000));
      assertThat(Timestamps.iso(t)).isEqualTo(t.toString());
    }
  }
}
