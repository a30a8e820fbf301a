package dev.vigil.launcher.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md and the code agree: every key of every reference.conf on the launcher's
 * class path (the launcher's and each daemon module's) has a row with its default and its
 * variable, every row names a key that exists, and every {@code VIGIL_*} name the doc mentions is
 * really read somewhere. A missing row fails with a suggested one, its meaning taken from the
 * comment above the key. Runs in the launcher module's directory.
 */
class ConfigurationDocTest {
  private static final Path DOC = Path.of("../docs/configuration.md");
  private static final Path MAIN = Path.of("src/main");

  /** Read by Settings but set only by profile files, so not in reference.conf. */
  private static final String PROFILE_KEY = "vigil.profile.daemons";

  /**
   * Variables read outside Settings: found with {@code grep -rn '"VIGIL_\|VIGIL_' src/main}
   * (NodeClient: VIGIL_TOKEN; Cli: VIGIL_PROFILE_DIR; logback.xml: VIGIL_LOG_FORMAT,
   * VIGIL_LOG_LEVEL). The clients also read VIGIL_STATE_DIR, VIGIL_HTTP_HOST and
   * VIGIL_HEALTH_PORT, which are in vigil.environment already.
   */
  private static final Set<String> READ_ELSEWHERE =
      Set.of("VIGIL_TOKEN", "VIGIL_PROFILE_DIR", "VIGIL_LOG_FORMAT", "VIGIL_LOG_LEVEL");

  private static final Pattern VARIABLE = Pattern.compile("\\bVIGIL_[A-Z_]+\\b");

  static String doc;
  static List<String> lines;

  @BeforeAll
  static void readDoc() throws IOException {
    doc = Files.readString(DOC, StandardCharsets.UTF_8);
    lines = doc.lines().toList();
  }

  @Test
  void everyKeyOfEveryModuleHasARowWithItsDefaultAndVariable() {
    Config reference = allReferences();
    assertThat(reference.entrySet()).as("leaf keys of the reference.conf files").isNotEmpty();
    Map<String, String> variables = new TreeMap<>();
    Settings.environment(reference).forEach((variable, key) -> variables.put(key, variable));
    List<String> problems = new ArrayList<>();
    List<String> missingRows = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : new TreeMap<>(leaves(reference)).entrySet()) {
      String key = e.getKey();
      // as a table cell shows it: a | inside is escaped
      String defaultValue = String.valueOf(e.getValue().unwrapped()).replace("|", "\\|");
      String rendered =
          e.getValue().render(com.typesafe.config.ConfigRenderOptions.concise()).replace("|", "\\|");
      String variable = variables.get(key);
      List<String> rows = rowsOf(key);
      if (rows.isEmpty()) {
        missingRows.add(suggestedRow(key, e.getValue(), variable));
      } else if (rows.stream().noneMatch(r -> r.contains(defaultValue) || r.contains(rendered))) {
        problems.add(key + ": its row does not show the default " + defaultValue);
      } else if (variable != null && rows.stream().noneMatch(r -> r.contains("`" + variable + "`"))) {
        problems.add(key + ": its row does not name its variable " + variable);
      }
    }
    assertThat(problems).as("docs/configuration.md against the reference.conf files").isEmpty();
    assertThat(missingRows)
        .as("keys without a row in docs/configuration.md; rows to start from:\n"
            + String.join("\n", missingRows))
        .isEmpty();
  }

  @Test
  void everyKeyTheDocListsExists() {
    Config reference = allReferences();
    Pattern row = Pattern.compile("^\\| `(vigil\\.[^`]+)` \\|");
    List<String> unknown = new ArrayList<>();
    for (String line : lines) {
      Matcher m = row.matcher(line);
      if (m.find()) {
        String key = m.group(1);
        if (!reference.hasPathOrNull(key) && !DOCUMENTED_ELSEWHERE.contains(key)) {
          unknown.add(key);
        }
      }
    }
    assertThat(unknown).as("rows of docs/configuration.md for keys no reference.conf has").isEmpty();
  }

  /** Rows for keys that are not in a reference.conf on purpose. */
  private static final Set<String> DOCUMENTED_ELSEWHERE =
      Set.of(PROFILE_KEY, "vigil.daemons.NAME");

  /** Every reference.conf of the launcher's class path (the launcher's and each module's). */
  private static Config allReferences() {
    return ConfigFactory.parseResources(ConfigurationDocTest.class.getClassLoader(), "reference.conf")
        .resolve();
  }

  /** The leaf keys, without the variable declarations. */
  private static Map<String, ConfigValue> leaves(Config reference) {
    Map<String, ConfigValue> leaves = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
      if (!e.getKey().startsWith("vigil.environment.")) {
        leaves.put(e.getKey(), e.getValue());
      }
    }
    return leaves;
  }

  /** A row for a key, its meaning taken from the comment above it in its reference file. */
  private static String suggestedRow(String key, ConfigValue value, String variable) {
    String comment = String.join(" ", value.origin().comments()).strip().replace("|", "\\|");
    return "| `"
        + key
        + "` | `"
        + value.render(com.typesafe.config.ConfigRenderOptions.concise()).replace("|", "\\|")
        + "` | "
        + (variable == null ? "" : "`" + variable + "`")
        + " | "
        + comment
        + " |";
  }

  @Test
  void theProfileKeyThatSettingsReadsHasARow() throws IOException {
    String settings = Files.readString(MAIN.resolve("java/dev/vigil/launcher/node/Settings.java"));
    assertThat(settings).as("Settings still reads " + PROFILE_KEY).contains('"' + PROFILE_KEY + '"');
    assertThat(rowsOf(PROFILE_KEY)).as("row of " + PROFILE_KEY).isNotEmpty();
  }

  @Test
  void everyVariableTheDocNamesIsRead() {
    Set<String> named = new TreeSet<>();
    Matcher m = VARIABLE.matcher(doc);
    while (m.find()) {
      named.add(m.group());
    }
    named.removeAll(environment().keySet());
    named.removeAll(READ_ELSEWHERE);
    assertThat(named).as("VIGIL_* names in the doc that nothing reads").isEmpty();
  }

  @Test
  void everyVariableReadElsewhereIsDocumented() {
    for (String variable : READ_ELSEWHERE) {
      assertThat(lines.stream().anyMatch(l -> l.startsWith("| `" + variable + "`")))
          .as(variable + " has a row in docs/configuration.md")
          .isTrue();
    }
  }

  @Test
  void theAllowListIsHonest() throws IOException {
    String sources = mainSources();
    for (String variable : READ_ELSEWHERE) {
      assertThat(sources).as(variable + " occurs in " + MAIN.toAbsolutePath()).contains(variable);
    }
  }

  /** The variables the reference.conf files declare, and their keys. */
  private static Map<String, String> environment() {
    return Settings.environment(allReferences());
  }

  /** The table rows whose first cell is {@code `key`}. */
  private static List<String> rowsOf(String key) {
    return lines.stream().filter(l -> l.startsWith("| `" + key + "` |")).toList();
  }

  /** Every Java, XML and HOCON file under src/main, concatenated. */
  private static String mainSources() throws IOException {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path f :
          files
              .filter(Files::isRegularFile)
              .filter(
                  f -> {
                    String n = f.getFileName().toString();
                    return n.endsWith(".java") || n.endsWith(".xml") || n.endsWith(".conf");
                  })
              .toList()) {
        all.append(Files.readString(f, StandardCharsets.UTF_8)).append('\n');
      }
    }
    return all.toString();
  }
}
