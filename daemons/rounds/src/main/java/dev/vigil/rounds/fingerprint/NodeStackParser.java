package dev.vigil.rounds.fingerprint;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * V8 stacks (Node.js, Deno, browsers): a {@code Type: message} header and {@code at fn
 * (file:line:col)} or {@code at file:line:col} frames. A frame's module is its file less the line
 * and column: the path after the last {@code node_modules/}, {@code node:} built-ins as they are,
 * else the file's last two path components.
 */
final class NodeStackParser {
  private static final Pattern AT = Pattern.compile("^\\s*at\\s+(.+?)\\s*$");
  private static final Pattern LINE_COL = Pattern.compile("(?::\\d+){1,2}$");

  private NodeStackParser() {}

  static ParsedStack parse(List<String> lines) {
    String type = "";
    String message = "";
    boolean header = false;
    List<Frame> frames = new ArrayList<>();
    for (String line : lines) {
      Matcher at = AT.matcher(line);
      if (at.matches()) {
        Frame f = frame(at.group(1));
        if (f != null) {
          frames.add(f);
        }
      } else if (!header && !line.isBlank()) {
        String[] tm = StackTraceParser.typeAndMessage(line);
        if (StackTraceParser.looksLikeType(tm[0])) {
          type = tm[0];
          message = tm[1];
        }
        header = true;
      }
    }
    if (frames.isEmpty() && type.isEmpty()) {
      return null;
    }
    return new ParsedStack(
        ParsedStack.Format.NODE, List.of(new ParsedStack.Failure(type, message, frames)));
  }

  static Frame frame(String text) {
    String t = text;
    if (t.startsWith("async ")) {
      t = t.substring(6);
    }
    String function;
    String location;
    int open = t.lastIndexOf(" (");
    if (t.endsWith(")") && open > 0) {
      function = t.substring(0, open).replaceFirst(" \\[as [^]]*\\]$", "");
      location = t.substring(open + 2, t.length() - 1);
    } else if (t.endsWith(")")) {
      return null; // "Promise.all (index 0)" and the like: not code of ours
    } else {
      function = "<anonymous>";
      location = t;
    }
    Matcher lineCol = LINE_COL.matcher(location);
    if (lineCol.find()) {
      location = location.substring(0, lineCol.start());
    } else if (!location.equals("native") && !location.equals("<anonymous>")) {
      return null; // "Promise.all (index 0)" and the like: no code location
    }
    if (location.startsWith("file://")) {
      location = location.substring("file://".length());
    }
    String module;
    boolean inApp;
    int nm = location.lastIndexOf("node_modules/");
    if (nm >= 0) {
      module = StackTraceParser.moduleOfPath(location.substring(nm + "node_modules/".length()), 99);
      inApp = false;
    } else if (location.startsWith("node:") || location.startsWith("internal/")
        || location.equals("<anonymous>") || location.equals("native")) {
      module = location;
      inApp = false;
    } else {
      module = StackTraceParser.moduleOfPath(location, 2);
      inApp = true;
    }
    return new Frame(module, function, inApp);
  }
}
