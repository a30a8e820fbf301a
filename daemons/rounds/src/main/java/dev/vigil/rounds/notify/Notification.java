package dev.vigil.rounds.notify;

import dev.vigil.rounds.diagnosis.Diagnosis;
import dev.vigil.rounds.diagnosis.SignatureFacts;
import java.util.Objects;

/** Something to tell people about a signature. */
public sealed interface Notification {

  /** The signature it is about. */
  SignatureFacts signature();

  /** A short name for logs and the retry queue. */
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

  /** A diagnosed signature keeps occurring (its facts carry the new count). */
  record Recurred(SignatureFacts signature) implements Notification {
    /** Checks the parts. */
    public Recurred {
      Objects.requireNonNull(signature, "signature");
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
