package dev.vigil.rounds.fingerprint;

/**
 * Turns an error or log message into its template by masking the variable tokens, so that the
 * messages of one underlying error share one template. Stateless and thread-safe: the template of
 * a message depends on that message alone, never on what was seen before, so templates (and the
 * fingerprints built from them) are the same on every node and after every restart.
 *
 * <p>One left-to-right pass over the message, no regular expressions. At every token boundary the
 * structured forms are tried first, longest-first, so that no rule breaks another (a URL is
 * masked whole before its host, port or UUID could be; a timestamp before its numbers):
 *
 * <table>
 *   <caption>Masks, in the order they are tried</caption>
 *   <tr><th>Mask</th><th>What it replaces</th><th>Examples</th></tr>
 *   <tr><td>{@code <str>}</td><td>a quoted literal ({@code "…"}, {@code '…'}, {@code `…`}) that
 *       opens after a space, a bracket or {@code = : , ;}; an apostrophe inside a word
 *       ({@code can't}) opens nothing</td><td>{@code 'user_id'}, {@code "View Lock"}</td></tr>
 *   <tr><td>{@code <url>}</td><td>{@code scheme://…} up to a space or quote, less trailing
 *       punctuation</td><td>{@code https://10.0.0.1:8443/v1/items/…?id=3}</td></tr>
 *   <tr><td>{@code <path>}</td><td>an absolute path of two or more segments, {@code ./…},
 *       {@code ../…}, {@code ~/…}, {@code C:\…}, {@code \\server\…}</td>
 *       <td>{@code /var/log/app.log}, {@code C:\srv\app}</td></tr>
 *   <tr><td>{@code <ts>}</td><td>ISO 8601 dates and date-times, {@code 2024-01-02 10:11:12,345},
 *       syslog and ctime ({@code Fri Jun 17 07:07:00 2005}), RFC 1123, Apache common log
 *       ({@code 17/Jun/2005:07:07:00 +0000}), times of day and {@code hh:mm}</td>
 *       <td>{@code 2024-01-02T10:11:12.5Z}</td></tr>
 *   <tr><td>{@code <uuid>}</td><td>8-4-4-4-12 hex digits</td><td></td></tr>
 *   <tr><td>{@code <email>}</td><td>{@code local@domain.tld}</td><td></td></tr>
 *   <tr><td>{@code <host>}</td><td>IPv4, IPv6 (with {@code ::} or five or more colons, so MAC
 *       addresses too; {@code [IPv6]} with its brackets), and dotted host names ending in a
 *       common top-level domain; a port after it becomes {@code :<num>}</td><td>{@code 10.0.0.7}, {@code fe80::1}, {@code db-3.prod.example.com}</td></tr>
 *   <tr><td>{@code <hex>}</td><td>{@code 0x} and hex digits</td><td>{@code 0x7f3a}</td></tr>
 *   <tr><td>{@code <num>}</td><td>any word that contains a digit, with a sign, decimals,
 *       version dots and a unit attached, and any word of eight or more hex digits</td>
 *       <td>{@code 42}, {@code -3.5}, {@code 250ms}, {@code 10MB}, {@code 1.2.3}, {@code
 *       9f4ef63}, {@code node7}, {@code utf8}</td></tr>
 * </table>
 *
 * <p>Why every word with a digit is a value: ids come in every shape ({@code t761}, {@code
 * worker-7}, {@code req_3fa9c2}, {@code 9f4ef63}), and an id left unmasked splits one error into
 * as many signatures as there are ids; a name with a digit ({@code utf8}, {@code ipv6}, {@code
 * sha256}) masked merges at worst two errors that differ only in that name. The first costs far
 * more, so names with digits are masked too. Words are split at punctuation ({@code . - _ / :}),
 * so {@code rdd_2_1} becomes {@code rdd_<num>_<num>} and {@code org.log4j.Logger} keeps {@code
 * org} and {@code Logger}.
 *
 * <p>Runs of white space become one space, and the template is stripped. A template holds no
 * digits and re-normalising it returns it unchanged.
 */
public final class MessageNormaliser {
  /** The masks this normaliser writes. */
  static final String NUM = "<num>";

  static final String HEX = "<hex>";
  static final String STR = "<str>";
  static final String URL = "<url>";
  static final String PATH = "<path>";
  static final String TS = "<ts>";
  static final String UUID = "<uuid>";
  static final String EMAIL = "<email>";
  static final String HOST = "<host>";
  static final String BOOL = "<bool>";

  /**
   * Units that, after a number and one space, belong to it: the ones that human-readable
   * formatters choose by magnitude ({@code 93.0 B} and {@code 5.2 KB} are one field).
   */
  private static final java.util.Set<String> UNITS =
      java.util.Set.of(
          "B", "KB", "kB", "MB", "GB", "TB", "PB", "KiB", "MiB", "GiB", "TiB", "ns", "us", "µs",
          "ms", "s", "sec", "secs", "min", "mins", "h", "hr", "hrs");

  private static final String[] MONTHS = {
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"
  };
  private static final String[] DAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

  /**
   * Top-level domains that mark a dotted word as a host name. Generic ones, infrastructure-internal
   * ones and large country codes, leaving out those that are also common file extensions ({@code
   * .py}, {@code .sh}, {@code .cc}, {@code .rs}, {@code .md}, {@code .so}, {@code .ts}, {@code
   * .in}). A lower-case dotted name followed by a port is a host whatever its last label.
   */
  private static final String[] TLDS = {
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "local", "localdomain",
    "internal", "lan", "intranet", "corp", "home", "arpa", "cloud", "dev", "cn", "hk", "uk", "jp",
    "de", "fr", "ru", "us", "eu", "nl", "au", "br", "it", "es", "ch", "se", "no", "fi", "dk", "kr",
    "tw", "sg", "nz", "za", "at", "be", "cz", "gr", "hu", "ie", "il", "mx", "pt", "ro", "tr",
    "ua", "vn", "io", "co", "me", "asia", "pl", "ca", "top", "xyz", "site", "online", "tech"
  };

  /** File name extensions of source code, whose {@code name.ext:42} is a line, not a port. */
  private static final String[] SOURCE_EXTENSIONS = {
    "java", "kt", "scala", "groovy", "clj", "py", "pyx", "rb", "go", "js", "mjs", "cjs", "ts",
    "tsx", "jsx", "c", "h", "cc", "cpp", "hpp", "cs", "fs", "vb", "php", "pl", "pm", "rs", "swift",
    "m", "mm", "ex", "exs", "erl", "hs", "lua", "sh", "dart", "zig", "nim", "jl", "r"
  };

  /** A normaliser; it holds no state, so one instance may serve every thread. */
  public MessageNormaliser() {}

  /**
   * The template of {@code message}: variable tokens masked, white space collapsed, stripped.
   *
   * @param message the message; {@code null} is treated as empty
   * @return the template, never {@code null}; {@code ""} for a null or blank message
   */
  public String normalise(String message) {
    if (message == null || message.isEmpty()) {
      return "";
    }
    String s = message;
    int n = s.length();
    StringBuilder out = new StringBuilder(n);
    int i = 0;
    while (i < n) {
      char c = s.charAt(i);
      if (isSpace(c)) {
        while (i < n && isSpace(s.charAt(i))) {
          i++;
        }
        if (out.length() > 0 && i < n) {
          out.append(' ');
        }
        continue;
      }
      if (isWordChar(c)) {
        i = word(s, i, out);
        continue;
      }
      int end = -1;
      String mask = null;
      boolean opening = opensToken(s, i);
      switch (c) {
        case '"', '\'', '`' -> {
          if (opening) {
            end = quoted(s, i, c);
            mask = STR;
          }
        }
        case '/', '~', '.', '\\' -> {
          if (opening) {
            end = path(s, i);
            mask = PATH;
          }
        }
        case '[' -> {
          // [IPv6] or [IPv6]:port is how sockets and URLs write an IPv6 host: the same field
          // holds 10.0.0.7:80 for IPv4, so the brackets go into the mask
          int v6 = i + 1 < n ? ipv6(s, i + 1) : -1;
          if (v6 > 0 && v6 < n && s.charAt(v6) == ']') {
            end = v6 + 1;
            mask = HOST;
          }
        }
        case ':' -> {
          end = i == 0 || !isWordChar(s.charAt(i - 1)) ? ipv6(s, i) : -1;
          mask = HOST;
        }
        case '-', '+' -> {
          if (opening && i + 1 < n && isDigit(s.charAt(i + 1))) {
            appendNum(out);
            i = number(s, i + 1);
            continue;
          }
        }
        default -> {}
      }
      if (end > i) {
        out.append(mask);
        i = end;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** Masks or copies the word that starts at {@code i}; returns where it ends. */
  private static int word(String s, int i, StringBuilder out) {
    char c = s.charAt(i);
    int end;
    if (isDigit(c) ? (end = timestamp(s, i)) > i : (end = namedTimestamp(s, i)) > i) {
      out.append(TS);
      return end;
    }
    if (isHex(c) && (end = uuid(s, i)) > i) {
      out.append(UUID);
      return end;
    }
    if ((end = url(s, i)) > i) {
      out.append(URL);
      return end;
    }
    if (isAsciiLetter(c) && i + 2 < s.length() && s.charAt(i + 1) == ':'
        && s.charAt(i + 2) == '\\' && (end = path(s, i)) > i) {
      out.append(PATH);
      return end;
    }
    if ((end = email(s, i)) > i) {
      out.append(EMAIL);
      return end;
    }
    if ((end = host(s, i)) > i || (end = ipv4(s, i)) > i || (end = ipv6(s, i)) > i) {
      out.append(HOST);
      return end;
    }
    if (c == '0' && i + 2 < s.length() && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')
        && isHex(s.charAt(i + 2))) {
      end = i + 2;
      while (end < s.length() && isHex(s.charAt(end))) {
        end++;
      }
      if (end >= s.length() || !isWordChar(s.charAt(end))) {
        out.append(HEX);
        return end;
      }
    }
    end = runEnd(s, i);
    if (isDigit(c)) {
      appendNum(out);
      return number(s, i);
    }
    // a compound joined by _ or - (rdd_2_1, worker-7, req-3fa9c2) is one identifier
    boolean value = isValue(s, i, end);
    int compound = end;
    while (compound + 1 < s.length() && (s.charAt(compound) == '_' || s.charAt(compound) == '-')
        && isWordChar(s.charAt(compound + 1))) {
      int next = runEnd(s, compound + 1);
      value |= isValue(s, compound + 1, next);
      compound = next;
    }
    if (value) {
      appendNum(out);
      return extendValue(s, compound);
    }
    if (end - i >= 4 && end - i <= 5 && !joined(s, i - 1) && !joined(s, end)
        && (s.regionMatches(true, i, "true", 0, end - i)
            || s.regionMatches(true, i, "false", 0, end - i))) {
      out.append(BOOL);
      return end;
    }
    out.append(s, i, end);
    return end;
  }

  /** Whether {@code s[k]} is a {@code _} or {@code -} that joins words into a compound. */
  private static boolean joined(String s, int k) {
    return k >= 0 && k < s.length() && (s.charAt(k) == '_' || s.charAt(k) == '-');
  }

  /**
   * A number that starts at the digit {@code i}, with its decimals, version dots and unit, attached
   * ({@code 250ms}, {@code 10MB}, {@code 50%}) or after one space ({@code 17.7 GB}), and the rest of
   * a compound it starts ({@code 3rd}, {@code 4_perf}).
   */
  private static int number(String s, int i) {
    int end = runEnd(s, i);
    while (end + 1 < s.length() && (s.charAt(end) == '_' || s.charAt(end) == '-')
        && isWordChar(s.charAt(end + 1))) {
      end = runEnd(s, end + 1);
    }
    end = extendValue(s, end);
    if (end < s.length() && s.charAt(end) == '%') {
      return end + 1;
    }
    if (end + 1 < s.length() && s.charAt(end) == ' ') {
      int unit = runEnd(s, end + 1);
      if (unit > end + 1 && UNITS.contains(s.substring(end + 1, unit))) {
        return unit;
      }
    }
    return end;
  }

  /** Past a value word, takes {@code .5}, {@code .2.3} and {@code ,500}-style continuations. */
  private static int extendValue(String s, int end) {
    int n = s.length();
    while (end + 1 < n) {
      char sep = s.charAt(end);
      if (sep == '.' && isDigit(s.charAt(end + 1))) {
        end = runEnd(s, end + 1);
      } else if (sep == ',' && end + 4 <= n && isDigit(s.charAt(end + 1))
          && isDigit(s.charAt(end + 2)) && isDigit(s.charAt(end + 3))
          && (end + 4 == n || !isWordChar(s.charAt(end + 4)))) {
        end += 4; // thousands separator: 1,234
      } else {
        break;
      }
    }
    return end;
  }

  /**
   * Appends {@code <num>}, unless it continues a list of numbers ({@code 1 6 11}, {@code 6,1},
   * {@code 1, 2}): a list of any length is one value.
   */
  private static void appendNum(StringBuilder out) {
    int len = out.length();
    int k = len;
    while (k > 0 && (out.charAt(k - 1) == ' ' || out.charAt(k - 1) == ',') && len - k < 2) {
      k--;
    }
    if (k < len && k >= NUM.length() && out.lastIndexOf(NUM, k - NUM.length()) == k - NUM.length()
        && (len - k == 1 || out.charAt(k) == ',')) {
      out.setLength(k);
      return;
    }
    out.append(NUM);
  }

  /** Whether the word {@code [i, end)} is a value: it has a digit or is 8+ hex digits. */
  private static boolean isValue(String s, int i, int end) {
    boolean allHex = true;
    for (int k = i; k < end; k++) {
      char c = s.charAt(k);
      if (isDigit(c)) {
        return true;
      }
      allHex &= isHexLetter(c);
    }
    return allHex && end - i >= 8;
  }

  /** End of the run of word characters from {@code i}. */
  private static int runEnd(String s, int i) {
    int n = s.length();
    while (i < n && isWordChar(s.charAt(i))) {
      i++;
    }
    return i;
  }

  // ---- quoted literals and paths

  /**
   * Whether a quote, path or sign at {@code i} may open a token: after the start, white space, an
   * opening bracket or {@code = : , ;}. Not after a letter (an apostrophe in "can't") and not
   * after a mask's closing {@code >}, so a template re-normalises to itself.
   */
  private static boolean opensToken(String s, int i) {
    if (i == 0) {
      return true;
    }
    char p = s.charAt(i - 1);
    return isSpace(p) || p == '(' || p == '[' || p == '{' || p == '=' || p == ':' || p == ','
        || p == ';';
  }

  private static int quoted(String s, int i, char q) {
    int n = s.length();
    for (int k = i + 1; k < n; k++) {
      char c = s.charAt(k);
      // no backslash escapes: a path ending in a backslash would hide the closing quote, and
      // once masked, would no longer (the template must re-normalise to itself)
      if (c == q && (k + 1 == n || !(isWordChar(s.charAt(k + 1)) || s.charAt(k + 1) == '<'))) {
        // a quote followed by a letter is an apostrophe; by '<', one followed by a masked word
        return k + 1;
      }
    }
    return -1;
  }

  private static int path(String s, int i) {
    int n = s.length();
    char c = s.charAt(i);
    int k;
    int minSeparators;
    if (c == '/') {
      k = i;
      minSeparators = 2;
    } else if (c == '\\') {
      if (i + 1 >= n || s.charAt(i + 1) != '\\') {
        return -1;
      }
      k = i;
      minSeparators = 3;
    } else if (c == '~' && i + 1 < n && s.charAt(i + 1) == '/') {
      k = i + 1;
      minSeparators = 1;
    } else if (c == '.' && s.startsWith("./", i)) {
      k = i + 1;
      minSeparators = 1;
    } else if (c == '.' && s.startsWith("../", i)) {
      k = i + 2;
      minSeparators = 1;
    } else if (isAsciiLetter(c) && i + 2 < n && s.charAt(i + 1) == ':' && s.charAt(i + 2) == '\\') {
      k = i + 2;
      minSeparators = 1;
    } else {
      return -1;
    }
    int separators = 0;
    boolean segment = false; // a non-empty segment follows some separator
    for (; k < n; k++) {
      char d = s.charAt(k);
      if (d == '/' || d == '\\') {
        separators++;
      } else if (isPathChar(d)) {
        if (separators > 0) {
          segment = true;
        }
      } else {
        break;
      }
    }
    // sentence punctuation after a path is not part of it
    while (k > i && (s.charAt(k - 1) == '.' || s.charAt(k - 1) == ',')) {
      k--;
    }
    // a first segment that starts with a digit is an address (/10.0.0.1:80), not a path
    if (c == '/' && i + 1 < n && isDigit(s.charAt(i + 1))) {
      return -1;
    }
    return separators >= minSeparators && segment ? k : -1;
  }

  private static boolean isPathChar(char c) {
    return isWordChar(c) || c == '.' || c == '-' || c == '_' || c == '+' || c == '@' || c == '%'
        || c == '$' || c == '~' || c == '#' || c == '!' || c == '&';
  }

  // ---- URLs, e-mail addresses, hosts

  private static int url(String s, int i) {
    int n = s.length();
    int k = i;
    while (k < n && (isAsciiLetter(s.charAt(k)) || isDigit(s.charAt(k))
        || s.charAt(k) == '+' || s.charAt(k) == '.' || s.charAt(k) == '-')) {
      k++;
    }
    if (k == i || k + 3 > n || !s.startsWith("://", k)) {
      return -1;
    }
    k += 3;
    while (k < n) {
      char c = s.charAt(k);
      if (isSpace(c) || c == '"' || c == '\'' || c == '`' || c == '<' || c == '>') {
        break;
      }
      k++;
    }
    while (k > i) {
      char c = s.charAt(k - 1);
      if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == ')'
          || c == ']' || c == '}') {
        k--;
      } else {
        break;
      }
    }
    return k;
  }

  private static int email(String s, int i) {
    int n = s.length();
    int k = i;
    while (k < n) {
      char c = s.charAt(k);
      if (isWordChar(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-') {
        k++;
      } else {
        break;
      }
    }
    if (k >= n || s.charAt(k) != '@' || s.charAt(k - 1) == '.') {
      return -1;
    }
    int end = dottedEnd(s, k + 1);
    if (end < 0) {
      return -1;
    }
    int lastDot = s.lastIndexOf('.', end - 1);
    if (lastDot <= k || end - lastDot - 1 < 2) {
      return -1;
    }
    for (int j = lastDot + 1; j < end; j++) {
      if (!isAsciiLetter(s.charAt(j))) {
        return -1;
      }
    }
    return end;
  }

  /**
   * End of a dotted name from {@code i} (labels of letters, digits and hyphens joined by single
   * dots), or -1 when there is no dot; a dot not followed by a label is left out.
   */
  private static int dottedEnd(String s, int i) {
    int n = s.length();
    int k = i;
    int labels = 0;
    while (true) {
      int start = k;
      while (k < n && (isAsciiLetter(s.charAt(k)) || isDigit(s.charAt(k)) || s.charAt(k) == '-')) {
        k++;
      }
      if (k == start) {
        return -1;
      }
      labels++;
      if (k + 1 < n && s.charAt(k) == '.' && (isAsciiLetter(s.charAt(k + 1))
          || isDigit(s.charAt(k + 1)))) {
        k++;
      } else if (k + 1 < n && s.charAt(k) == '.' && s.charAt(k + 1) == '<') {
        return -1; // a mask goes on the name (a template of name.42): not a clean name
      } else {
        break;
      }
    }
    return labels >= 2 ? k : -1;
  }

  private static int host(String s, int i) {
    int end = dottedEnd(s, i);
    if (end < 0 || (end < s.length() && (isWordChar(s.charAt(end)) || s.charAt(end) == '_'
        || s.charAt(end) == '('))) {
      return -1;
    }
    int lastDot = s.lastIndexOf('.', end - 1);
    int len = end - lastDot - 1;
    for (String tld : TLDS) {
      if (tld.length() == len && s.regionMatches(true, lastDot + 1, tld, 0, len)) {
        return end;
      }
    }
    // a lower-case dotted name with a port is a host too (proxy.example.asia:443), unless it is
    // a source file with a line number (app.py:42)
    if (end + 1 < s.length() && s.charAt(end) == ':' && isDigit(s.charAt(end + 1))
        && digits(s, end + 1, 1, 5) > 0 && endsWord(s, digits(s, end + 1, 1, 5))) {
      boolean letters = true;
      for (int k = i; k < end; k++) {
        char c = s.charAt(k);
        letters &= !(c >= 'A' && c <= 'Z');
      }
      for (int k = lastDot + 1; k < end; k++) {
        letters &= isAsciiLetter(s.charAt(k));
      }
      for (String ext : SOURCE_EXTENSIONS) {
        if (ext.length() == len && s.regionMatches(lastDot + 1, ext, 0, len)) {
          letters = false;
        }
      }
      if (letters) {
        return end;
      }
    }
    return -1;
  }

  private static int ipv4(String s, int i) {
    int k = i;
    for (int part = 0; part < 4; part++) {
      if (part > 0) {
        if (k >= s.length() || s.charAt(k) != '.') {
          return -1;
        }
        k++;
      }
      int e = digits(s, k, 1, 3);
      if (e < 0) {
        return -1;
      }
      k = e;
    }
    if (k < s.length() && (isWordChar(s.charAt(k))
        || (s.charAt(k) == '.' && k + 1 < s.length() && isDigit(s.charAt(k + 1))))) {
      return -1;
    }
    return k;
  }

  /** IPv6 (or a MAC address): hex groups of at most four with {@code ::} or 5+ colons. */
  private static int ipv6(String s, int i) {
    int n = s.length();
    int k = i;
    int colons = 0;
    int group = 0;
    boolean doubleColon = false;
    boolean digit = false;
    while (k < n) {
      char c = s.charAt(k);
      if (c == ':') {
        if (k + 1 < n && s.charAt(k + 1) == ':') {
          if (doubleColon) {
            return -1;
          }
          doubleColon = true;
        }
        colons++;
        group = 0;
      } else if (isHex(c)) {
        if (++group > 4) {
          return -1;
        }
        digit |= isDigit(c);
      } else if (c == '.' && colons >= 2 && group > 0) {
        int v4 = ipv4(s, k - group); // an embedded IPv4 tail: ::ffff:10.0.0.1
        return v4 > 0 && digit ? v4 : -1;
      } else {
        break;
      }
      k++;
    }
    // a trailing single colon is punctuation ("at fe80::1: refused")
    if (k > i && s.charAt(k - 1) == ':' && !(k - 2 >= i && s.charAt(k - 2) == ':')) {
      k--;
      colons--;
    }
    if (!digit || !(doubleColon || colons >= 5) || (k < n && isWordChar(s.charAt(k)))) {
      return -1;
    }
    return k;
  }

  // ---- UUIDs and timestamps

  private static int uuid(String s, int i) {
    int k = i;
    int[] groups = {8, 4, 4, 4, 12};
    for (int g = 0; g < groups.length; g++) {
      if (g > 0) {
        if (k >= s.length() || s.charAt(k) != '-') {
          return -1;
        }
        k++;
      }
      for (int j = 0; j < groups[g]; j++, k++) {
        if (k >= s.length() || !isHex(s.charAt(k))) {
          return -1;
        }
      }
    }
    return k < s.length() && isWordChar(s.charAt(k)) ? -1 : k;
  }

  /** Timestamps that start with a digit: ISO dates, common log dates, times of day. */
  private static int timestamp(String s, int i) {
    int n = s.length();
    // 2024-01-02, 2024/01/02, with an optional time
    int k = digits(s, i, 4, 4);
    if (k > 0 && k < n && (s.charAt(k) == '-' || s.charAt(k) == '/')) {
      char sep = s.charAt(k);
      int m = digits(s, k + 1, 1, 2);
      if (m > 0 && m < n && s.charAt(m) == sep) {
        int d = digits(s, m + 1, 1, 2);
        if (d > 0) {
          int end = d;
          if (d + 1 < n && (s.charAt(d) == 'T' || s.charAt(d) == ' ' || s.charAt(d) == '_')) {
            int t = time(s, d + 1);
            if (t > 0) {
              end = zone(s, t);
            }
          }
          return endsWord(s, end) ? end : -1;
        }
      }
    }
    // 17/Jun/2005:07:07:00 +0000
    k = digits(s, i, 1, 2);
    if (k > 0 && k + 1 < n && s.charAt(k) == '/') {
      int m = month(s, k + 1);
      if (m > 0 && m < n && s.charAt(m) == '/') {
        int y = digits(s, m + 1, 4, 4);
        if (y > 0) {
          int end = y;
          if (y + 1 < n && s.charAt(y) == ':') {
            int t = time(s, y + 1);
            if (t > 0) {
              end = zone(s, t);
            }
          }
          return endsWord(s, end) ? end : -1;
        }
      }
    }
    // 17 Jun 2005 07:07:00 GMT (RFC 1123 without the day name)
    if (k > 0 && k < n && s.charAt(k) == ' ') {
      int end = dayMonthYear(s, i);
      if (end > 0) {
        return end;
      }
    }
    int t = time(s, i);
    if (t > 0) {
      int end = zone(s, t);
      return endsWord(s, end) ? end : -1;
    }
    return -1;
  }

  /** {@code 17 Jun 2005[ 07:07:00[ zone]]} from {@code i}, or -1. */
  private static int dayMonthYear(String s, int i) {
    int k = digits(s, i, 1, 2);
    if (k < 0 || k >= s.length() || s.charAt(k) != ' ') {
      return -1;
    }
    int m = month(s, k + 1);
    if (m < 0 || m >= s.length() || s.charAt(m) != ' ') {
      return -1;
    }
    int y = digits(s, m + 1, 4, 4);
    if (y < 0) {
      return -1;
    }
    int end = y;
    if (y + 1 < s.length() && s.charAt(y) == ' ') {
      int t = time(s, y + 1);
      if (t > 0) {
        end = zone(s, t);
      }
    }
    return endsWord(s, end) ? end : -1;
  }

  /**
   * Timestamps that start with a name: {@code [Fri[,] ]Jun 17 07:07:00[ zone][ 2005]}, {@code Fri,
   * 17 Jun 2005 07:07:00 GMT}. A month and day alone are not enough: a time or a year must follow.
   */
  private static int namedTimestamp(String s, int i) {
    int n = s.length();
    int k = i;
    int d = dayName(s, k);
    if (d > 0) {
      k = d;
      if (k < n && s.charAt(k) == ',') {
        k++;
      }
      if (k >= n || s.charAt(k) != ' ') {
        return -1;
      }
      k++;
      if (k < n && isDigit(s.charAt(k))) {
        return dayMonthYear(s, k);
      }
    }
    int m = month(s, k);
    if (m < 0 || m >= n || s.charAt(m) != ' ') {
      return -1;
    }
    k = m;
    while (k < n && s.charAt(k) == ' ') {
      k++;
    }
    int day = digits(s, k, 1, 2);
    if (day < 0) {
      return -1;
    }
    int end = -1;
    if (day + 1 < n && s.charAt(day) == ' ') {
      int t = time(s, day + 1);
      if (t > 0) {
        end = zone(s, t);
        if (end + 1 < n && s.charAt(end) == ' ') {
          int y = digits(s, end + 1, 4, 4);
          if (y > 0 && endsWord(s, y)) {
            end = y;
          }
        }
      } else {
        int y = digits(s, day + 1, 4, 4);
        if (y > 0) {
          end = y;
        }
      }
    }
    return end > 0 && endsWord(s, end) ? end : -1;
  }

  /** {@code hh:mm[:ss[.fff]]} from {@code i}, or -1. */
  private static int time(String s, int i) {
    int h = digits(s, i, 1, 2);
    if (h < 0 || h >= s.length() || s.charAt(h) != ':') {
      return -1;
    }
    int m = digits(s, h + 1, 2, 2);
    if (m < 0) {
      return -1;
    }
    int end = m;
    if (m + 2 < s.length() && s.charAt(m) == ':') {
      int sec = digits(s, m + 1, 2, 2);
      if (sec > 0) {
        end = sec;
        if (sec + 1 < s.length() && (s.charAt(sec) == '.' || s.charAt(sec) == ',')) {
          int frac = digits(s, sec + 1, 1, 9);
          if (frac > 0) {
            end = frac;
          }
        }
      }
    }
    // a time is not followed by more digits, nor by :digits (that would be an address or list)
    if (end < s.length() && (isWordChar(s.charAt(end)) && s.charAt(end) != 'Z')) {
      return -1;
    }
    return end;
  }

  /** Past an optional zone after a time: {@code Z}, {@code +01:00}, {@code  +0000}, {@code  GMT}. */
  private static int zone(String s, int i) {
    int n = s.length();
    if (i < n && s.charAt(i) == 'Z') {
      return i + 1;
    }
    int k = i < n && s.charAt(i) == ' ' ? i + 1 : i;
    if (k < n && (s.charAt(k) == '+' || s.charAt(k) == '-')) {
      int hm = digits(s, k + 1, 4, 4); // +0000
      if (hm > 0 && endsWord(s, hm)) {
        return hm;
      }
      int h = digits(s, k + 1, 2, 2);
      if (h > 0) {
        if (h + 1 < n && s.charAt(h) == ':') { // +01:00
          int m = digits(s, h + 1, 2, 2);
          return m > 0 && endsWord(s, m) ? m : i;
        }
        return k == i && endsWord(s, h) ? h : i; // +01, only attached to the time
      }
    }
    if (k > i && (s.startsWith("GMT", k) || s.startsWith("UTC", k)) && endsWord(s, k + 3)) {
      return k + 3;
    }
    return i;
  }

  private static int month(String s, int i) {
    return nameFrom(s, i, MONTHS);
  }

  private static int dayName(String s, int i) {
    return nameFrom(s, i, DAYS);
  }

  /** End of a three-letter name (any case) from {@code names} at {@code i}, or -1. */
  private static int nameFrom(String s, int i, String[] names) {
    if (i + 3 > s.length() || (i + 3 < s.length() && isWordChar(s.charAt(i + 3)))) {
      return -1;
    }
    for (String name : names) {
      if (s.regionMatches(true, i, name, 0, 3)) {
        return i + 3;
      }
    }
    return -1;
  }

  /** End of {@code min..max} ASCII digits from {@code i} that are not followed by another, or -1. */
  private static int digits(String s, int i, int min, int max) {
    int k = i;
    int n = s.length();
    while (k < n && k - i < max && isDigit(s.charAt(k))) {
      k++;
    }
    if (k - i < min || (k < n && isDigit(s.charAt(k)))) {
      return -1;
    }
    return k;
  }

  private static boolean endsWord(String s, int end) {
    return end >= s.length() || !isWordChar(s.charAt(end));
  }

  // ---- character classes

  /** Letters (any script) and digits: what a word is made of. Punctuation splits words. */
  static boolean isWordChar(char c) {
    if (c < 128) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
    return Character.isLetterOrDigit(c);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isHexLetter(char c) {
    return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static boolean isHex(char c) {
    return isDigit(c) || isHexLetter(c);
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B
        || c == 0xA0;
  }
}
