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
      // no regular expression on the common path: most lines of a trace are frames (FrameLines
      // stands for the patterns, exactly)
      String rest = FrameLines.atRest(line);
      if (rest == null) {
        continue;
      }
      if (rest.contains(":line ") && DOTNET_LOCATION.matcher(rest).find()) {
        dotnet++;
      } else if (FrameLines.hasNodeLocation(rest)) {
        node++;
      } else if (FrameLines.hasJvmLocation(rest)) {
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
