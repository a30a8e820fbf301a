package dev.vigil.rounds.fingerprint;

import java.util.List;
import java.util.Objects;

/**
 * The fingerprint of an error: what groups its occurrences into one signature.
 *
 * @param hash 16 lower-case hex digits (the first 64 bits of a SHA-256 over the canonical form);
 *     equal for every occurrence of one error, on every node and after every restart
 * @param version the {@link Fingerprinter#VERSION} that made it; fingerprints of different versions
 *     are not comparable
 * @param template the message with its variable parts masked, for people to read
 * @param frames the frames that went into the hash, {@code module::function}, innermost first;
 *     empty when the hash rests on the message template
 */
public record Fingerprint(String hash, int version, String template, List<String> frames) {
  /** Checks the parts and copies the list. */
  public Fingerprint {
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(template, "template");
    frames = List.copyOf(frames);
    if (hash.length() != 16 || !hash.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      throw new IllegalArgumentException("hash must be 16 lower-case hex digits, got '" + hash + "'");
    }
  }
}
