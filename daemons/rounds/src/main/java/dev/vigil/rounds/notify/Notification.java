package dev.vigil.rounds.notify;

import dev.vigil.rounds.diagnosis.Diagnosis;
import dev.vigil.rounds.diagnosis.SignatureFacts;
import java.util.Objects;

/** Something to tell people about a signature. */
public sealed interface Notification {

  /** The signature it is about. */
  SignatureFacts signature();

  /** A short name for logs and the retry queue: diagnosed, recurred, resolved, regressed. */
  String kind();

  /** A signature was diagnosed (or re-diagnosed). */
  record Diagnosed(SignatureFacts signature, Diagnosis diagnosis) implements Notification {
    /** Checks the parts. */
    public Diagnosed {
      Objects.requireNonNull(signature, "signature");
      Objects.requireNonNull(diagnosis, "diagnosis");
    }

    @Override
    public String kind() {
      return "diagnosed";
    }
  }

  /**
   * A diagnosed signature keeps occurring: its facts carry the new count, {@code notifiedCount}
   * the count people were last told (at the diagnosis or the previous recurrence).
   */
  record Recurred(SignatureFacts signature, long notifiedCount) implements Notification {
    /** Checks the parts. */
    public Recurred {
      Objects.requireNonNull(signature, "signature");
      if (notifiedCount < 0) {
        throw new IllegalArgumentException("notifiedCount must not be negative: " + notifiedCount);
      }
    }

    /** Occurrences since people were last told. */
    public long newOccurrences() {
      return Math.max(0, signature.occurrenceCount() - notifiedCount);
    }

    @Override
    public String kind() {
      return "recurred";
    }
  }

  /** An operator marked the signature resolved, with the fix if given (else empty). */
  record Resolved(SignatureFacts signature, String fix) implements Notification {
    /** Checks the parts. */
    public Resolved {
      Objects.requireNonNull(signature, "signature");
      Objects.requireNonNull(fix, "fix");
    }

    @Override
    public String kind() {
      return "resolved";
    }
  }

  /** A resolved signature occurred again. */
  record Regressed(SignatureFacts signature) implements Notification {
    /** Checks the parts. */
    public Regressed {
      Objects.requireNonNull(signature, "signature");
    }

    @Override
    public String kind() {
      return "regressed";
    }
  }
}
