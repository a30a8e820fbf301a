package dev.vigil.rounds.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IdsTest {
  @Test
  void hexIsLowerCasedAndPadded() {
    assertThat(Ids.traceId("5F2B8C1E9A7D4F3B8E6C2A1D0F9E8B7C")).isEqualTo("5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c");
    assertThat(Ids.traceId("8e6c2a1d0f9e8b7c")).isEqualTo("00000000000000008e6c2a1d0f9e8b7c");
    assertThat(Ids.spanId("abc")).isEqualTo("0000000000000abc");
  }

  @Test
  void base64IsDecoded() {
    assertThat(Ids.traceId("XyuMHpp9TzuObCodD56LfA==")).isEqualTo("5f2b8c1e9a7d4f3b8e6c2a1d0f9e8b7c");
    assertThat(Ids.spanId("obLD1OX2Bxg=")).isEqualTo("a1b2c3d4e5f60718");
    assertThat(Ids.spanId("DJ2Of2pbTD0=")).isEqualTo("0c9d8e7f6a5b4c3d");
  }

  @Test
  void missingIsEmptyAndJunkIsRejected() {
    assertThat(Ids.traceId(null)).isEmpty();
    assertThat(Ids.spanId(" ")).isEmpty();
    assertThatThrownBy(() -> Ids.traceId("not an id!")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Ids.spanId("XyuMHpp9TzuObCodD56LfA==")).isInstanceOf(IllegalArgumentException.class);
  }
}
