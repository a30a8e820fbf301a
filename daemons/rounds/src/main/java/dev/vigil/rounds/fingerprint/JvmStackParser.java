package dev.vigil.rounds.fingerprint;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code Throwable.printStackTrace()} output (Java, Kotlin, Scala): a header line, {@code at}
 * frames, {@code ... N more}, {@code Caused by:} chains and {@code Suppressed:} blocks (skipped:
 * a suppressed exception did not cause the failure).
 *
 * <p>A cause prints only the frames it does not share with the exception that wraps it and ends
 * with {@code ... N more}: those N are the enclosing exception's last N frames, so they are added
 * back and every exception of the chain carries its whole stack.
 */
final class JvmStackParser {
  private static final Pattern MORE = Pattern.compile("^\\s*\\.\\.\\. (\\d+) (?:more|common frames omitted)\\s*$");
  private static final String CAUSED_BY = "Caused by: ";

  /** Packages of the JDK, the JVM languages and widespread frameworks: not the application. */
  private static final String[] LIBRARY_PREFIXES = {
    "java.", "javax.", "jdk.", "sun.", "com.sun.", "kotlin.", "kotlinx.", "scala.", "groovy.",
    "org.codehaus.groovy.", "jakarta.", "org.springframework.", "org.apache.", "io.netty.",
    "org.eclipse.jetty.", "io.grpc.", "com.google.", "org.hibernate.", "com.fasterxml.",
    "io.micronaut.", "io.quarkus.", "io.vertx.", "reactor.", "io.reactivex.", "akka.",
    "org.junit.", "org.slf4j.", "ch.qos.logback.", "okhttp3.", "retrofit2.", "com.zaxxer.",
    "org.glassfish.", "io.opentelemetry.", "net.bytebuddy.", "org.aspectj."
  };

  private JvmStackParser() {}

  static ParsedStack parse(List<String> lines) {
    List<String> types = new ArrayList<>();
    List<String> messages = new ArrayList<>();
    List<List<Frame>> frames = new ArrayList<>();
    List<Integer> omitted = new ArrayList<>();
    boolean suppressed = false;
    for (String line : lines) {
      if (line.startsWith(CAUSED_BY)) {
        suppressed = false;
        String[] tm = StackTraceParser.typeAndMessage(line.substring(CAUSED_BY.length()));
        types.add(tm[0]);
        messages.add(tm[1]);
        frames.add(new ArrayList<>());
        omitted.add(0);
        continue;
      }
      if (suppressed) {
        continue;
      }
      String stripped = line.strip();
      if (stripped.startsWith("Suppressed: ")) {
        suppressed = true;
        continue;
      }
      String name = FrameLines.jvmFrameName(line); // ^\s*at\s+([^\s(]+)\((.*)\)(?:\s*~?\[.*\])?\s*$
      if (name != null) {
        if (frames.isEmpty()) { // frames without a header: an exception of unknown type
          types.add("");
          messages.add("");
          frames.add(new ArrayList<>());
          omitted.add(0);
        }
        frames.get(frames.size() - 1).add(frame(name));
        continue;
      }
      Matcher more = stripped.startsWith("... ") ? MORE.matcher(line) : null;
      if (more != null && more.matches() && !frames.isEmpty()) {
        omitted.set(omitted.size() - 1, Integer.parseInt(more.group(1)));
        continue;
      }
      if (types.isEmpty() && !stripped.isEmpty()) {
        String[] tm = StackTraceParser.typeAndMessage(stripped);
        if (StackTraceParser.looksLikeType(tm[0])) {
          types.add(tm[0]);
          messages.add(tm[1]);
          frames.add(new ArrayList<>());
          omitted.add(0);
        }
      }
      // anything else is a further line of a multi-line message
    }
    if (types.isEmpty()) {
      return null;
    }
    // give each cause back the frames it shares with its enclosing exception
    for (int i = 1; i < frames.size(); i++) {
      List<Frame> enclosing = frames.get(i - 1);
      int n = Math.min(omitted.get(i), enclosing.size());
      frames.get(i).addAll(enclosing.subList(enclosing.size() - n, enclosing.size()));
    }
    List<ParsedStack.Failure> chain = new ArrayList<>();
    for (int i = types.size() - 1; i >= 0; i--) { // the last "Caused by" is the root cause
      chain.add(new ParsedStack.Failure(types.get(i), messages.get(i), List.copyOf(frames.get(i))));
    }
    return new ParsedStack(ParsedStack.Format.JVM, chain);
  }

  /** {@code s.replaceAll("\\$\\d+", "\\$")} without compiling a pattern per frame. */
  static String anonymousNumbersDropped(String s) {
    if (s.indexOf('$') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      b.append(c);
      if (c == '$' && i + 1 < n && isDigit(s.charAt(i + 1))) {
        while (i + 1 < n && isDigit(s.charAt(i + 1))) {
          i++;
        }
      }
    }
    return b.toString();
  }

  /** {@code s.replaceAll("\\$\\d+$", "")} (a frame's method has no line terminator). */
  static String trailingNumberDropped(String s) {
    int d = s.length();
    while (d > 0 && isDigit(s.charAt(d - 1))) {
      d--;
    }
    return d < s.length() && d > 0 && s.charAt(d - 1) == '$' ? s.substring(0, d - 1) : s;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** {@code [module/]pkg.Class$Inner.method} as a frame, generated and numbered parts removed. */
  static Frame frame(String qualified) {
    String q = qualified;
    int slash = q.indexOf('/');
    // java.base@21/java.lang.Thread.run, app//com.example.Main.main: a class loader or module name
    if (slash >= 0 && !q.substring(0, slash).contains("$")) {
      q = q.substring(q.lastIndexOf("/", q.lastIndexOf('.')) + 1);
    }
    int dot = q.lastIndexOf('.');
    String cls = dot > 0 ? q.substring(0, dot) : q;
    String method = dot > 0 ? q.substring(dot + 1) : "";
    int generated = cls.indexOf("$$");
    if (generated > 0) { // Foo$$Lambda/0x..., Foo$$EnhancerBySpringCGLIB$$3fa9
      cls = cls.substring(0, generated);
    }
    int hidden = cls.indexOf('/');
    if (hidden > 0) {
      cls = cls.substring(0, hidden);
    }
    cls = anonymousNumbersDropped(cls); // anonymous classes: Foo$1 -> Foo$
    method = trailingNumberDropped(method); // lambda$handle$0 -> lambda$handle
    boolean inApp = true;
    for (String prefix : LIBRARY_PREFIXES) {
      if (cls.startsWith(prefix)) {
        inApp = false;
        break;
      }
    }
    return new Frame(cls, method, inApp);
  }
}
