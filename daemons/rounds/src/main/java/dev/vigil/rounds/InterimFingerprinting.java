package dev.vigil.rounds;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A stand-in grouping until the fingerprint algorithm of {@code dev.vigil.rounds.fingerprint} is
 * wired into {@link RoundsModule}: service, error type and the message with hex and decimal runs
 * masked, version 0. Deliberately crude; its signatures keep version 0 so they never mix with the
 * real algorithm's.
 */
final class InterimFingerprinting implements Fingerprinting {
  private static final Pattern VARIABLE = Pattern.compile("0x[0-9a-fA-F]+|[0-9a-fA-F]*[0-9][0-9a-fA-F]*");

  @Override
  public Result fingerprint(String service, String errorType, String message, String stackTrace) {
    String template = VARIABLE.matcher(message).replaceAll("<*>");
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(("0\u0000" + service + "\u0000" + errorType + "\u0000" + template)
          .getBytes(StandardCharsets.UTF_8));
      return new Result(HexFormat.of().formatHex(md.digest(), 0, 16), 0, template, List.of());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
