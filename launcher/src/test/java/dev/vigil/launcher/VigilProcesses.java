package dev.vigil.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The built {@code vigil.jar} as a process, as an operator runs it: what every end-to-end test
 * starts nodes and client commands with.
 */
final class VigilProcesses {
  /** The jar the build made (failsafe runs in the launcher module's directory). */
  static final Path JAR = Path.of("target/vigil.jar");
  /** The installation: the checkout, with profiles/. */
  static final Path HOME = Path.of("..").toAbsolutePath().normalize();

  private VigilProcesses() {}

  /**
   * {@code vigil args...} with {@code stateDir} as its state directory and every listening port
   * ephemeral (nodes of different tests run side by side), then {@code env} on top.
   */
  static ProcessBuilder vigil(Path stateDir, Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-Dvigil.home=" + HOME);
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("VIGIL_STATE_DIR", stateDir.toString());
    pb.environment().put("VIGIL_HEALTH_PORT", "0");
    pb.environment().put("OTLP_HTTP_PORT", "0");
    pb.environment().put("OTLP_GRPC_PORT", "0");
    pb.environment().remove("VIGIL_HTTP_HOST");
    pb.environment().putAll(env);
    return pb;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Whether the node of {@code stateDir} has published its OTLP receiver's URL in node.json. */
  static boolean otlpUrlWritten(Path stateDir) {
    try {
      return JSON.readTree(stateDir.resolve("node.json").toFile()).hasNonNull("otlp_url");
    } catch (IOException e) {
      return false; // not there yet, or being written
    }
  }

  /** The OTLP receiver's URL the node of {@code stateDir} published, on loopback. */
  static URI otlpUrl(Path stateDir) throws IOException {
    String url = JSON.readTree(stateDir.resolve("node.json").toFile()).path("otlp_url").asText();
    assertThat(url).startsWith("http://127.0.0.1:");
    return URI.create(url);
  }

  /** The HTTP server's URL the node of {@code stateDir} published in node.json. */
  static URI httpUrl(Path stateDir) throws IOException {
    String url = JSON.readTree(stateDir.resolve("node.json").toFile()).path("http_url").asText();
    assertThat(url).startsWith("http://");
    return URI.create(url);
  }

  /** The control API's bearer token of the node of {@code stateDir}, as an operator reads it. */
  static String token(Path stateDir) throws IOException {
    return Files.readString(stateDir.resolve("token")).strip();
  }

  /** A node's log file as text, for assertion messages; empty before it exists. */
  static String logOf(Path log) {
    try {
      return Files.isRegularFile(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }
}
