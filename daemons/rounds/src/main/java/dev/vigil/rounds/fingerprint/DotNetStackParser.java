package dev.vigil.rounds.fingerprint;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code Exception.ToString()} output of .NET: {@code Outer: msg ---> Inner: msg} headers, {@code
 * at Ns.Type.Method(args) in file:line N} frames, {@code --- End of inner exception stack trace
 * ---} markers. The innermost exception is the last of the header's {@code --->} chain and its
 * frames are printed first, up to the first end-of-inner marker. Async state machines ({@code
 * <GetAsync>d__3.MoveNext}) and lambdas ({@code <Main>b__0_0}) are named after their method.
 */
final class DotNetStackParser {
  private static final Pattern AT =
      Pattern.compile("^\\s*at\\s+([^(]+)(?:\\(.*?\\))?(?: in .+:line \\d+)?\\s*$");
  private static final Pattern COMPILER_NAME = Pattern.compile("^(.*?)\\.?<([^>]+)>[^.]*(?:\\..*)?$");
  private static final String END_INNER = "--- End of inner exception stack trace ---";
  private static final String[] LIBRARY_PREFIXES = {"System.", "Microsoft.", "Internal.", "Newtonsoft."};

  private DotNetStackParser() {}

  static ParsedStack parse(List<String> lines) {
    List<String[]> headers = new ArrayList<>(); // outermost first
    List<List<Frame>> blocks = new ArrayList<>(); // innermost exception's frames first
    blocks.add(new ArrayList<>());
    boolean headerDone = false;
    for (String line : lines) {
      String stripped = line.strip();
      if (stripped.startsWith(END_INNER)) {
        blocks.add(new ArrayList<>());
        continue;
      }
      if (stripped.startsWith("---> ")) {
        stripped = stripped.substring(5); // .NET Core puts each inner exception on its own line
      } else if (stripped.startsWith("---")) {
        continue; // --- End of stack trace from previous location ---
      }
      Matcher at = AT.matcher(line);
      if (at.matches() && stripped.startsWith("at ")) {
        blocks.get(blocks.size() - 1).add(frame(at.group(1).strip()));
        headerDone = true;
        continue;
      }
      if (!headerDone && !stripped.isEmpty()) {
        for (String part : stripped.split(" ---> ")) {
          String[] tm = StackTraceParser.typeAndMessage(part);
          if (StackTraceParser.looksLikeType(tm[0])) {
            headers.add(tm);
          }
        }
      }
    }
    if (headers.isEmpty() && blocks.get(0).isEmpty()) {
      return null;
    }
    List<ParsedStack.Failure> chain = new ArrayList<>();
    for (int i = headers.size() - 1, block = 0; i >= 0; i--, block++) {
      List<Frame> frames = block < blocks.size() ? blocks.get(block) : List.of();
      chain.add(new ParsedStack.Failure(headers.get(i)[0], headers.get(i)[1], frames));
    }
    if (chain.isEmpty()) {
      chain.add(new ParsedStack.Failure("", "", blocks.get(0)));
    }
    return new ParsedStack(ParsedStack.Format.DOTNET, chain);
  }

  static Frame frame(String qualified) {
    String q = qualified.replaceAll("\\[[^\\]]*\\]", ""); // generic arguments: First[TSource]
    String module;
    String function;
    Matcher compiler = COMPILER_NAME.matcher(q);
    if (compiler.matches()) {
      module = compiler.group(1);
      function = compiler.group(2);
    } else {
      int dot = q.lastIndexOf('.');
      module = dot > 0 ? q.substring(0, dot) : q;
      function = dot > 0 ? q.substring(dot + 1) : "";
    }
    module = module.replaceAll("[.+]<>c(?:__DisplayClass\\w*)?$", ""); // closure classes
    boolean inApp = true;
    for (String prefix : LIBRARY_PREFIXES) {
      if (module.startsWith(prefix)) {
        inApp = false;
        break;
      }
    }
    return new Frame(module, function, inApp);
  }
}
