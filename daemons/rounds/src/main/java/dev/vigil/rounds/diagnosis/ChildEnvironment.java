package dev.vigil.rounds.diagnosis;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The environment a model process runs with: the node's, without the credentials it has no use
 * for. The agent reads files, and {@code /proc/self/environ} is a file: telemetry text that talks
 * it into reading that must find no GitHub token or other API key to copy into its answer (which
 * ends up in a GitHub issue). The {@code ANTHROPIC_*} and {@code CLAUDE_*} variables stay, since
 * the CLI authenticates with them.
 */
final class ChildEnvironment {
  /** Names that hold a credential, matched on the upper-cased name. */
  private static final Pattern SECRET =
      Pattern.compile(".*(TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS|_KEY)$|.*_KEY_.*|^GITHUB_.*|^VIGIL_TOKEN.*");

  private ChildEnvironment() {}

  /** {@code inherited} without the variables that hold credentials the model process does not need. */
  static Map<String, String> withoutForeignCredentials(Map<String, String> inherited) {
    Map<String, String> kept = new TreeMap<>();
    inherited.forEach((name, value) -> {
      if (!removed(name)) {
        kept.put(name, value);
      }
    });
    return kept;
  }

  /** Whether {@code name} is dropped. */
  static boolean removed(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    if (upper.startsWith("ANTHROPIC_") || upper.startsWith("CLAUDE_")) {
      return false;
    }
    return SECRET.matcher(upper).matches();
  }
}
