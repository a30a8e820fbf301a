package dev.vigil.rounds.fingerprint;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python tracebacks, chained ones included ({@code During handling of the above exception,
 * another exception occurred:} and {@code The above exception was the direct cause of the
 * following exception:}). Python prints the original exception first, so the first traceback is
 * the root cause. Line numbers are dropped and a frame's module is derived from its file so that
 * neither a redeploy (lines move) nor another install path changes it: the path inside {@code
 * site-packages} or the standard library, else the file's last two path components.
 */
final class PythonStackParser {
  private static final Pattern FRAME =
      Pattern.compile("^\\s*File \"([^\"]*)\", line \\d+(?:, in (.+?))?\\s*$");
  private static final Pattern STDLIB = Pattern.compile("/lib/python\\d(?:\\.\\d+)?/");

  private PythonStackParser() {}

  static ParsedStack parse(List<String> lines) {
    List<ParsedStack.Failure> chain = new ArrayList<>();
    List<Frame> frames = null;
    for (String line : lines) {
      if (line.startsWith("Traceback (most recent call last):")) {
        frames = new ArrayList<>();
        continue;
      }
      if (frames == null) {
        continue;
      }
      Matcher frame = FRAME.matcher(line);
      if (frame.matches()) {
        frames.add(frame(frame.group(1), frame.group(2) == null ? "" : frame.group(2)));
        continue;
      }
      if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0))) {
        // the exception line ends the traceback: "KeyError: 'id'", "mod.Error: text", "StopIteration"
        String[] tm = StackTraceParser.typeAndMessage(line);
        List<Frame> innermostFirst = new ArrayList<>(frames);
        Collections.reverse(innermostFirst);
        chain.add(new ParsedStack.Failure(tm[0], tm[1], List.copyOf(innermostFirst)));
        frames = null;
      }
      // indented lines are source lines or caret markers
    }
    return chain.isEmpty() ? null : new ParsedStack(ParsedStack.Format.PYTHON, chain);
  }

  static Frame frame(String file, String function) {
    String path = file.replace('\\', '/');
    String module;
    boolean inApp;
    int site = Math.max(path.lastIndexOf("site-packages/"), path.lastIndexOf("dist-packages/"));
    Matcher stdlib = STDLIB.matcher(path);
    if (site >= 0) {
      module = dotted(path.substring(site + "site-packages/".length()));
      inApp = false;
    } else if (path.startsWith("<")) { // <frozen importlib._bootstrap>, <string>
      module = path;
      inApp = false;
    } else if (stdlib.find()) {
      module = dotted(path.substring(stdlib.end()));
      inApp = false;
    } else {
      module = StackTraceParser.moduleOfPath(path, 2);
      inApp = true;
    }
    return new Frame(module, function, inApp);
  }

  private static String dotted(String relative) {
    String r = relative.endsWith(".py") ? relative.substring(0, relative.length() - 3) : relative;
    return r.replace('/', '.');
  }
}
