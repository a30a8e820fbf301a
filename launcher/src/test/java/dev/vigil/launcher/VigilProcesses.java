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

  /** How a command ended: its exit status, stdout and stderr. */
  record Run(int exit, String out, String err) {}

  /** Reads a command's stdout and stderr (side by side: neither may fill its pipe) and its exit. */
  static Run finish(Process p) throws Exception {
    p.getOutputStream().close();
    java.util.concurrent.ExecutorService reader = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      java.util.concurrent.Future<byte[]> err = reader.submit(() -> p.getErrorStream().readAllBytes());
      byte[] out = p.getInputStream().readAllBytes();
      assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS))
          .as(p.info().commandLine().orElse("vigil") + " ends").isTrue();
      return new Run(
          p.exitValue(),
          new String(out, java.nio.charset.StandardCharsets.UTF_8),
          new String(err.get(60, java.util.concurrent.TimeUnit.SECONDS), java.nio.charset.StandardCharsets.UTF_8));
    } finally {
      reader.shutdownNow();
    }
  }

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
