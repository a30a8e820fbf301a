package dev.vigil.rounds.fingerprint;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Computes the {@link Fingerprint} of an error event. Stateless and thread-safe: the fingerprint
 * depends on the event alone, so every node and every restart computes the same one.
 *
 * <p>The hash is SHA-256 over a canonical text (UTF-8, {@code \n}-separated lines, no locale, no
 * {@code hashCode()}), truncated to 16 hex digits:
 *
 * <pre>
 * vigil-fingerprint/2
 * service:&lt;service&gt;
 * type:&lt;error type&gt;
 * frame:&lt;module::function&gt;      (one line per frame, at most {@value #MAX_FRAMES}), or
 * message:&lt;message template&gt;     (when no frame decides)
 * </pre>
 *
 * <p>The rules:
 *
 * <ul>
 *   <li><b>Service</b> is part of the hash: one bug in two services is two signatures, each for
 *       its owners.
 *   <li><b>Stack present:</b> the <em>root cause</em> decides (the last {@code Caused by:} of a
 *       JVM trace, the first traceback of a Python chain, the innermost {@code --->} of .NET).
 *       Wrappers differ with the path an error travelled (the same database outage surfaces as
 *       a servlet, a task and a listener exception); the root cause is where it went wrong and
 *       what a diagnosis must explain. Its type replaces {@code errorType} and its top {@value
 *       #MAX_FRAMES} in-application frames ({@code module::function}, no line numbers, so a
 *       redeploy that moves lines changes nothing) identify the place. The message template is
 *       then left out of the hash: the same type thrown at the same place with a different detail
 *       ({@code user alice not found}, {@code user bob not found}) is one error, and detail the
 *       normaliser cannot recognise as variable would otherwise split it.
 *   <li><b>Stack without in-application frames</b> (only library frames): those top frames and
 *       the message template together.
 *   <li><b>No stack</b> (or one in no known format): type and message template.
 * </ul>
 *
 * <p>Any change to this canonical form, to the frame parsing or to the {@link MessageNormaliser}
 * that changes a hash must increment {@link #VERSION}; a test pins the hash of fixed inputs.
 */
public final class Fingerprinter {
  /** The version of the fingerprint algorithm; stored with every signature. */
  public static final int VERSION = 2;

  /** How many in-application frames identify the place of an error. */
  public static final int MAX_FRAMES = 5;

  private final MessageNormaliser normaliser;

  /** A fingerprinter with the standard normaliser. */
  public Fingerprinter() {
    this(new MessageNormaliser());
  }

  Fingerprinter(MessageNormaliser normaliser) {
    this.normaliser = normaliser;
  }

  /**
   * The fingerprint of one error event. Any part may be {@code null} or blank when the event
   * lacks it.
   *
   * @param service the service that reported the error ({@code service.name})
   * @param errorType the exception type as reported ({@code exception.type})
   * @param message the error message ({@code exception.message} or the log body)
   * @param stackTrace the stack trace as printed by the runtime ({@code exception.stacktrace})
   * @return the fingerprint, never {@code null}
   */
  public Fingerprint fingerprint(
      String service, String errorType, String message, String stackTrace) {
    Optional<ParsedStack> stack = StackTraceParser.parse(stackTrace);
    String type = clean(errorType);
    String text = message;
    List<Frame> frames = List.of();
    if (stack.isPresent()) {
      ParsedStack.Failure root = stack.get().root();
      if (!root.type().isEmpty()) {
        type = root.type();
      }
      if (text == null || text.isBlank()) {
        text = stack.get().chain().get(stack.get().chain().size() - 1).message();
      }
      frames = root.frames();
    }
    String template = normaliser.normalise(text);
    List<String> used = new ArrayList<>();
    for (Frame f : frames) {
      if (f.inApp() && used.size() < MAX_FRAMES) {
        used.add(f.key());
      }
    }
    boolean byFrames = !used.isEmpty();
    if (!byFrames) {
      for (Frame f : frames) {
        if (used.size() < MAX_FRAMES) {
          used.add(f.key());
        }
      }
    }
    StringBuilder canonical = new StringBuilder(256);
    canonical.append("vigil-fingerprint/").append(VERSION).append('\n');
    canonical.append("service:").append(oneLine(clean(service))).append('\n');
    canonical.append("type:").append(oneLine(type)).append('\n');
    for (String f : used) {
      canonical.append("frame:").append(oneLine(f)).append('\n');
    }
    if (!byFrames) {
      canonical.append("message:").append(template).append('\n');
    }
    return new Fingerprint(hash(canonical.toString()), VERSION, template, used);
  }

  private static String clean(String s) {
    return s == null ? "" : s.strip();
  }

  /** Keeps one part on one line of the canonical form, so parts cannot run into each other. */
  private static String oneLine(String s) {
    return s.indexOf('\n') < 0 && s.indexOf('\r') < 0 ? s : s.replace('\n', ' ').replace('\r', ' ');
  }

  private static String hash(String canonical) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    byte[] digest = sha.digest(canonical.getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(digest, 0, 8);
  }
}
