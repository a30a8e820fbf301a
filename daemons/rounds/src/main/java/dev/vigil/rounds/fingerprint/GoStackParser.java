package dev.vigil.rounds.fingerprint;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Go panics and {@code runtime/debug.Stack()} output: the first goroutine's frames (the one that
 * panicked), each a function line followed by a tab-indented {@code file:line +0x..} line. The
 * type is {@code panic} (or {@code fatal error}); the message is the text after it.
 */
final class GoStackParser {
  private static final Pattern GOROUTINE = Pattern.compile("^goroutine \\d+ \\[.*\\]:\\s*$");
  private static final Pattern FILE_LINE = Pattern.compile("^\\t.+\\.go:\\d+(?: \\+0x[0-9a-f]+)?\\s*$");

  private GoStackParser() {}

  // the patterns only for lines that have their literal parts: most lines of other runtimes'
  // traces are tested here too
  private static boolean isGoroutine(String line) {
    return line.startsWith("goroutine ") && GOROUTINE.matcher(line).matches();
  }

  private static boolean isFileLine(String line) {
    return line.startsWith("\t") && line.contains(".go:") && FILE_LINE.matcher(line).matches();
  }

  static boolean looksLikeGo(List<String> lines) {
    for (String line : lines) {
      if (isGoroutine(line) || isFileLine(line)) {
        return true;
      }
    }
    return false;
  }

  static ParsedStack parse(List<String> lines) {
    String type = "";
    String message = "";
    List<Frame> frames = new ArrayList<>();
    boolean inGoroutine = false;
    boolean sawGoroutine = false;
    String pending = null; // a function line waiting for its file line
    for (String line : lines) {
      if (type.isEmpty() && (line.startsWith("panic: ") || line.startsWith("fatal error: "))) {
        int colon = line.indexOf(": ");
        type = line.substring(0, colon);
        message = line.substring(colon + 2).replaceFirst(" \\[recovered\\]$", "");
        continue;
      }
      if (isGoroutine(line)) {
        if (sawGoroutine) {
          break; // only the first goroutine: the one that failed
        }
        sawGoroutine = true;
        inGoroutine = true;
        continue;
      }
      if (!inGoroutine && sawGoroutine) {
        continue;
      }
      if (line.isBlank()) {
        if (sawGoroutine) {
          inGoroutine = false;
        }
        continue;
      }
      if (isFileLine(line)) {
        if (pending != null) {
          frames.add(frame(pending));
          pending = null;
        }
      } else if (!line.startsWith("created by ") && !Character.isWhitespace(line.charAt(0))) {
        pending = line.strip();
      }
    }
    if (frames.isEmpty() && type.isEmpty()) {
      return null;
    }
    return new ParsedStack(
        ParsedStack.Format.GO, List.of(new ParsedStack.Failure(type, message, frames)));
  }

  /** {@code github.com/a/b/pkg.(*T).Method(0x1, {0x2})} as a frame. */
  static Frame frame(String line) {
    String name = line;
    if (name.endsWith(")")) { // drop the argument list, which may itself hold parentheses
      int depth = 0;
      for (int i = name.length() - 1; i >= 0; i--) {
        char c = name.charAt(i);
        if (c == ')') {
          depth++;
        } else if (c == '(' && --depth == 0) {
          name = name.substring(0, i);
          break;
        }
      }
    }
    int slash = name.lastIndexOf('/');
    int dot = name.lastIndexOf('.');
    String module = dot > slash ? name.substring(0, dot) : name;
    String function = dot > slash ? name.substring(dot + 1) : "";
    int firstSlash = name.indexOf('/');
    String firstElement =
        firstSlash >= 0 ? name.substring(0, firstSlash) : name.substring(0, Math.max(dot, 0));
    // the standard library's import paths have no dot in their first element; main is the app
    boolean inApp =
        name.startsWith("main.")
            || (firstSlash >= 0 && firstElement.contains(".")
                && !firstElement.equals("golang.org"));
    return new Frame(module, function, inApp);
  }
}
