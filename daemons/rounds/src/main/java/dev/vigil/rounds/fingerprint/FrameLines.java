package dev.vigil.rounds.fingerprint;

/**
 * Hand-written matchers for the {@code at ...} frame lines of JVM, Node and .NET traces, each
 * giving exactly what the regular expression it stands for gives (a test compares them on random
 * lines). The patterns backtracked on every frame of every stack, and stack parsing was most of
 * the fingerprint's time at a high ingest rate. Stateless.
 */
final class FrameLines {
  private FrameLines() {}

  /** {@code \s} of {@link java.util.regex.Pattern}: {@code [ \t\n\x0B\f\r]}. */
  static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
  }

  /** The characters {@code .} does not match and {@code $} may stand before. */
  static boolean isLineTerminator(char c) {
    return c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isWord(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || isDigit(c);
  }

  /** Where {@code ^\s*at} ends in {@code line} if a {@code \s} follows it, or -1. */
  private static int afterAtWord(String line) {
    int n = line.length();
    int i = 0;
    while (i < n && isSpace(line.charAt(i))) {
      i++;
    }
    if (i + 2 >= n || line.charAt(i) != 'a' || line.charAt(i + 1) != 't' || !isSpace(line.charAt(i + 2))) {
      return -1;
    }
    return i + 2;
  }

  private static int skipSpaces(String s, int from) {
    int k = from;
    while (k < s.length() && isSpace(s.charAt(k))) {
      k++;
    }
    return k;
  }

  /**
   * Group 1 of {@code ^\s*at\s+(.+)$} when it matches the whole line, else null (the text after
   * {@code at}).
   */
  static String atRest(String line) {
    int j = afterAtWord(line);
    if (j < 0) {
      return null;
    }
    int n = line.length();
    int k = skipSpaces(line, j);
    if (k == n) {
      // nothing after the spaces: .+ takes the last one back if \s+ keeps one and . matches it
      return n - j >= 2 && !isLineTerminator(line.charAt(n - 1)) ? line.substring(n - 1) : null;
    }
    for (int i = k; i < n; i++) {
      if (isLineTerminator(line.charAt(i))) {
        return null;
      }
    }
    return line.substring(k);
  }

  /**
   * {@code JVM_LOCATION.matcher(rest).find()}: {@code \((?:[^()\s]+\.\w+:\d+|Native Method|Unknown
   * Source|[^()\s]+\.\w+|<generated>)\)(?:\s*~?\[.*\])?\s*$}.
   */
  static boolean hasJvmLocation(String rest) {
    int n = rest.length();
    for (int i = rest.indexOf('('); i >= 0; i = rest.indexOf('(', i + 1)) {
      int j = rest.indexOf(')', i + 1);
      if (j < 0) {
        return false;
      }
      if (isJvmLocation(rest, i + 1, j) && tailFindsEnd(rest, j + 1, n)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isJvmLocation(String s, int from, int to) {
    int len = to - from;
    if (len == 13 && s.startsWith("Native Method", from)) {
      return true;
    }
    if (len == 14 && s.startsWith("Unknown Source", from)) {
      return true;
    }
    if (len == 11 && s.startsWith("<generated>", from)) {
      return true;
    }
    if (len == 0) {
      return false;
    }
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '(' || c == ')' || isSpace(c)) {
        return false;
      }
    }
    if (isFileName(s, from, to)) {
      return true; // [^()\s]+\.\w+
    }
    int colon = s.lastIndexOf(':', to - 1);
    if (colon < from || colon == to - 1) {
      return false;
    }
    for (int i = colon + 1; i < to; i++) {
      if (!isDigit(s.charAt(i))) {
        return false;
      }
    }
    return isFileName(s, from, colon); // [^()\s]+\.\w+:\d+
  }

  /** {@code [^()\s]+\.\w+} over {@code s[from, to)}, its characters already checked. */
  private static boolean isFileName(String s, int from, int to) {
    int dot = s.lastIndexOf('.', to - 1);
    if (dot <= from || dot >= to - 1) {
      return false;
    }
    for (int i = dot + 1; i < to; i++) {
      if (!isWord(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code (?:\s*~?\[.*\])?\s*$} matches from {@code from} in find mode. */
  private static boolean tailFindsEnd(String s, int from, int n) {
    if (isTail(s, from, n)) {
      return true;
    }
    // $ also matches before a final line terminator (\r\n counting as one)
    if (n > from && isLineTerminator(s.charAt(n - 1))) {
      if (isTail(s, from, n - 1)) {
        return true;
      }
      if (n - 1 > from && s.charAt(n - 1) == '\n' && s.charAt(n - 2) == '\r' && isTail(s, from, n - 2)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code (?:\s*~?\[.*\])?\s*} matches all of {@code s[from, to)}. */
  private static boolean isTail(String s, int from, int to) {
    int a = from;
    while (a < to && isSpace(s.charAt(a))) {
      a++;
    }
    if (a == to) {
      return true;
    }
    if (s.charAt(a) == '~') {
      a++;
    }
    if (a >= to || s.charAt(a) != '[') {
      return false;
    }
    int b = to;
    while (b > a && isSpace(s.charAt(b - 1))) {
      b--;
    }
    b--; // the closing bracket
    if (b <= a || s.charAt(b) != ']') {
      return false;
    }
    for (int i = a + 1; i < b; i++) {
      if (isLineTerminator(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Group 1 of {@code ^\s*at\s+([^\s(]+)\((.*)\)(?:\s*~?\[.*\])?\s*$} when it matches the whole
   * line (the qualified method of a JVM frame), else null.
   */
  static String jvmFrameName(String line) {
    int j = afterAtWord(line);
    if (j < 0) {
      return null;
    }
    int n = line.length();
    int k = skipSpaces(line, j);
    int m = k;
    while (m < n && !isSpace(line.charAt(m)) && line.charAt(m) != '(') {
      m++;
    }
    if (m == k || m >= n || line.charAt(m) != '(') {
      return null;
    }
    for (int p = m + 1; p < n; p++) {
      char c = line.charAt(p);
      if (isLineTerminator(c)) {
        return null; // .* stops here, and every later ')' is past it
      }
      if (c == ')' && isTail(line, p + 1, n)) {
        return line.substring(k, m);
      }
    }
    return null;
  }

  /** {@code Pattern.compile(":\\d+:\\d+\\)?\\s*$").matcher(s).find()}: a Node frame's {@code file:line:column}. */
  static boolean hasNodeLocation(String s) {
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
    while (e > 0 && isSpace(s.charAt(e - 1))) {
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
}
