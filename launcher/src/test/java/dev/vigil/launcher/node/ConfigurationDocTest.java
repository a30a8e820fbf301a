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
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md and the code agree: every key of the launcher's reference.conf (and the
 * profile key {@code Settings} reads) has a row with its default, every variable of {@link
 * Settings#environment} sits on the row of its key, and every {@code VIGIL_*} name the doc mentions
 * is really read somewhere. Runs in the launcher module's directory.
 */
class ConfigurationDocTest {
  private static final Path DOC = Path.of("../docs/configuration.md");
  private static final Path REFERENCE = Path.of("src/main/resources/reference.conf");
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
  void everyKeyOfReferenceConfHasARowWithItsDefault() {
    Config reference = ConfigFactory.parseFile(REFERENCE.toFile());
    assertThat(reference.entrySet()).as("leaf keys of " + REFERENCE).isNotEmpty();
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
      String key = e.getKey();
      if (key.startsWith("vigil.environment.")) {
        continue; // the variables: checked against the rows of their keys below
      }
      String defaultValue = String.valueOf(e.getValue().unwrapped());
      List<String> rows = rowsOf(key);
      if (rows.isEmpty()) {
        problems.add(key + ": no table row starting with `" + key + "`");
      } else if (rows.stream().noneMatch(r -> r.contains(defaultValue))) {
        problems.add(key + ": its row does not show the default " + defaultValue);
      }
    }
    assertThat(problems).as("docs/configuration.md against reference.conf").isEmpty();
  }

  @Test
  void theProfileKeyThatSettingsReadsHasARow() throws IOException {
    String settings = Files.readString(MAIN.resolve("java/dev/vigil/launcher/node/Settings.java"));
    assertThat(settings).as("Settings still reads " + PROFILE_KEY).contains('"' + PROFILE_KEY + '"');
    assertThat(rowsOf(PROFILE_KEY)).as("row of " + PROFILE_KEY).isNotEmpty();
  }

  @Test
  void everyEnvironmentVariableIsOnTheRowOfItsKey() {
    List<String> problems = new ArrayList<>();
    environment().forEach(
        (variable, key) -> {
          if (rowsOf(key).stream().noneMatch(r -> r.contains("`" + variable + "`"))) {
            problems.add(variable + " is not on the row of `" + key + "`");
          }
        });
    assertThat(problems).as("docs/configuration.md against vigil.environment").isEmpty();
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

  /** The variables the launcher's reference.conf declares, and their keys. */
  private static Map<String, String> environment() {
    return Settings.environment(ConfigFactory.parseFile(REFERENCE.toFile()));
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
