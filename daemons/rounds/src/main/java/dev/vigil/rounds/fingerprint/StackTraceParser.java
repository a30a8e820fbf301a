package dev.vigil.rounds.fingerprint;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Recognises which runtime printed a stack trace and parses it. Stateless.
 *
 * <p>Python and Go traces have unmistakable markers ({@code Traceback (most recent call last):},
 * {@code goroutine N [...]:}); JVM, Node and .NET frames all start with {@code at}, so each {@code
 * at} line votes by its shape: {@code (File.java:12)} or {@code (Native Method)} is the JVM,
 * {@code file.js:12:5} Node, {@code in file.cs:line 12} or typed parameters .NET.
 */
final class StackTraceParser {
  private static final Pattern AT_LINE = Pattern.compile("^\\s*at\\s+(.+)$");
  private static final Pattern NODE_LOCATION = Pattern.compile(":\\d+:\\d+\\)?\\s*$");
  private static final Pattern JVM_LOCATION =
      Pattern.compile("\\((?:[^()\\s]+\\.\\w+:\\d+|Native Method|Unknown Source|[^()\\s]+\\.\\w+|<generated>)\\)(?:\\s*~?\\[.*\\])?\\s*$");
  private static final Pattern DOTNET_LOCATION = Pattern.compile(" in .+:line \\d+\\s*$");

  private StackTraceParser() {}

  /** The parsed trace, or empty when {@code text} is blank or in no known format. */
  static Optional<ParsedStack> parse(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    List<String> lines = text.lines().toList();
    ParsedStack parsed;
    if (text.contains("Traceback (most recent call last):")) {
      parsed = PythonStackParser.parse(lines);
    } else if (GoStackParser.looksLikeGo(lines)) {
      parsed = GoStackParser.parse(lines);
    } else {
      parsed =
          switch (vote(lines)) {
            case JVM -> JvmStackParser.parse(lines);
            case NODE -> NodeStackParser.parse(lines);
            case DOTNET -> DotNetStackParser.parse(lines);
            default -> null;
          };
    }
    return Optional.ofNullable(parsed);
  }

  private static ParsedStack.Format vote(List<String> lines) {
    int jvm = 0;
    int node = 0;
    int dotnet = 0;
    for (String line : lines) {
      // the regular expressions only for lines that can match them: most lines of a trace are
      // frames, and each pattern's literal part is cheaper to look for than to match
      if (!isAtLine(line)) {
        continue;
      }
      var m = AT_LINE.matcher(line);
      if (!m.matches()) {
        continue;
      }
      String rest = m.group(1);
      if (rest.contains(":line ") && DOTNET_LOCATION.matcher(rest).find()) {
        dotnet++;
      } else if (endsWithLineAndColumn(rest)) {
        node++;
      } else if (JVM_LOCATION.matcher(rest).find()) {
        jvm++;
      } else if (rest.endsWith(")") && rest.contains("(")) {
        dotnet++; // .NET without file information: at Ns.Type.Method(Int32 id)
      } else {
        node++; // Node prints some frames bare: at async Promise.all (index 0), at <anonymous>
      }
    }
    if (jvm == 0 && node == 0 && dotnet == 0) {
      return ParsedStack.Format.PYTHON; // "none": the caller's default branch
    }
    if (jvm >= node && jvm >= dotnet) {
      return ParsedStack.Format.JVM;
    }
    return dotnet > node ? ParsedStack.Format.DOTNET : ParsedStack.Format.NODE;
  }

  // ---- shared helpers

  /** Whether {@code c} is in the {@code \s} class of {@link Pattern}: {@code [ \t\n\x0B\f\r]}. */
  static boolean isRegexSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
  }

  /**
   * Whether {@code line} starts, after optional {@code \s}, with {@code at} and a {@code \s}: what
   * every {@code ^\s*at\s+} pattern needs before it can match.
   */
  static boolean isAtLine(String line) {
    int i = 0;
    int n = line.length();
    while (i < n && isRegexSpace(line.charAt(i))) {
      i++;
    }
    return i + 2 < n && line.charAt(i) == 'a' && line.charAt(i + 1) == 't' && isRegexSpace(line.charAt(i + 2));
  }

  /** {@code NODE_LOCATION.matcher(s).find()} without the regular expression: {@code :\d+:\d+\)?\s*$}. */
  static boolean endsWithLineAndColumn(String s) {
    int n = s.length();
    // $ also matches before a final line terminator that \s does not cover
    if (n > 0 && (s.charAt(n - 1) == '\u0085' || s.charAt(n - 1) == '\u2028' || s.charAt(n - 1) == '\u2029')
        && endsWithLineAndColumnAt(s, n - 1)) {
      return true;
    }
    return endsWithLineAndColumnAt(s, n);
  }

  private static boolean endsWithLineAndColumnAt(String s, int end) {
    int e = end;
    while (e > 0 && isRegexSpace(s.charAt(e - 1))) {
      e--;
    }
    if (e > 0 && s.charAt(e - 1) == ')') {
      e--;
    }
    int d = e;
    while (d > 0 && isDigit(s.charAt(d - 1))) {
      d--;
    }
    if (d == e || d == 0 || s.charAt(d - 1) != ':') {
      return false;
    }
    int c = d - 1;
    int d2 = c;
    while (d2 > 0 && isDigit(s.charAt(d2 - 1))) {
      d2--;
    }
    return d2 < c && d2 > 0 && s.charAt(d2 - 1) == ':';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** {@code type: message} split at the first {@code ": "}; the type alone when there is none. */
  static String[] typeAndMessage(String header) {
    String h = header.strip();
    int colon = h.indexOf(": ");
    if (colon < 0) {
      if (h.endsWith(":")) {
        return new String[] {h.substring(0, h.length() - 1), ""};
      }
      return new String[] {h, ""};
    }
    return new String[] {h.substring(0, colon), h.substring(colon + 2)};
  }

  /** Whether {@code type} looks like an exception type name rather than free text. */
  static boolean looksLikeType(String type) {
    if (type.isEmpty() || type.length() > 200) {
      return false;
    }
    for (int i = 0; i < type.length(); i++) {
      char c = type.charAt(i);
      if (!(Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '$' || c == '`'
          || c == '<' || c == '>' || c == '+' || c == '-' || c == '/')) {
        return false;
      }
    }
    return true;
  }

  /** A file path as a module: the last {@code parts} components, extension dropped, dot-joined. */
  static String moduleOfPath(String path, int parts) {
    String p = path.replace('\\', '/');
    int slash = p.length();
    for (int i = 0; i < parts; i++) {
      int prev = p.lastIndexOf('/', slash - 1);
      if (prev < 0) {
        slash = -1;
        break;
      }
      slash = prev;
    }
    String tail = p.substring(slash + 1);
    int dot = tail.lastIndexOf('.');
    if (dot > tail.lastIndexOf('/') + 1) {
      tail = tail.substring(0, dot);
    }
    return tail.replace('/', '.');
  }
}
