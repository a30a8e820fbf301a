package dev.vigil.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vigil.core.HealthStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an http probe sends and how it reads answers, through the probes' Jetty client, against a
 * real server on loopback that answers byte for byte what each test scripts.
 */
class HttpProbeTest {
  @TempDir Path dir;

  private SandboxHealthModule module(String probe) {
    return Fixtures.module("probes = [" + probe + "]", Map.of(), dir);
  }

  /** Runs the one probe once, as vigil diagnose does. */
  private Diagnosis.ProbeLine diagnose(String probe) throws InterruptedException {
    Diagnosis d = module(probe).diagnose(Optional.empty());
    assertThat(d.probes()).hasSize(1);
    return d.probes().getFirst();
  }

  private static String get(Fixtures.Scripted server, String extra) {
    return "{ id = p, kind = http, url = \"" + server.url("/health") + "\", timeout = 5s" + extra + " }";
  }

  private static boolean write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return true;
  }

  private static String ok(String body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
  }

  /** A prober of the module's one probe, kept across runs as the daemon keeps it. */
  private record Kept(Prober prober, ProbeSpec spec) implements AutoCloseable {
    Kept(SandboxHealthModule m) {
      this(m.prober(Clock.systemUTC(), System::nanoTime), m.book().probes().getFirst());
    }

    Outcome run() {
      return prober.run(spec);
    }

    @Override
    public void close() {
      prober.close();
    }
  }

  @Test
  void theRequestIsWhatTheProbeDeclaresAndNothingMore() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> write(out, ok("{\"ok\":true}")))) {
      var line = diagnose("{ id = p, kind = http, method = post, url = \"" + server.url("/jobs?dry=1") + "\","
          + " body = \"{\\\"n\\\":1}\", headers = [{ name = X-Token, value = abc }],"
          + " json = [{ path = ok, op = eq, value = true }] }");
      assertThat(line.status()).as(line.detail()).isEqualTo(HealthStatus.HEALTHY);
      String request = server.requests.getFirst();
      assertThat(request).startsWith("POST /jobs?dry=1 HTTP/1.1\r\n")
          .contains("\r\nHost: 127.0.0.1:" + server.port() + "\r\n", "\r\nX-Token: abc\r\n",
              "\r\nUser-Agent: vigil-probe\r\n", "\r\nContent-Length: 7\r\n")
          .endsWith("\r\n\r\n{\"n\":1}");
      // no compression asked for, no content type the probe did not declare, no cookie
      assertThat(request.toLowerCase()).doesNotContain("accept-encoding", "content-type", "cookie");
    }
  }

  @Test
  void aUserAgentHeaderReplacesTheProbesOwn() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> write(out, ok("{}")))) {
      var line = diagnose(get(server, ", headers = [{ name = User-Agent, value = \"curl/8\" }]"));
      assertThat(line.status()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(server.requests.getFirst()).contains("\r\nUser-Agent: curl/8\r\n").doesNotContain("vigil-probe");
    }
  }

  @Test
  void headersTheClientWritesItselfOrWithLineBreaksAreRefusedAndNothingIsSent() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> write(out, ok("{}")))) {
      var host = diagnose(get(server, ", headers = [{ name = Host, value = evil }]"));
      assertThat(host.status()).isEqualTo(HealthStatus.UNKNOWN);
      assertThat(host.category()).isEqualTo("probe_error");
      assertThat(host.detail()).contains("restricted header name: \"Host\"");
      var split = diagnose(get(server, ", headers = [{ name = X-A, value = \"a\\r\\nX-B: b\" }]"));
      assertThat(split.status()).isEqualTo(HealthStatus.UNKNOWN);
      assertThat(split.detail()).contains("invalid header value for X-A");
      assertThat(server.requests).isEmpty();
    }
  }

  @Test
  void theConnectionIsKeptAliveForTheNextRunAndClosedWhenTheProberCloses() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> write(out, ok("{}")));
        var kept = new Kept(module(get(server, "")))) {
      assertThat(kept.run().status()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(kept.run().status()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(server.requests).hasSize(2);
      assertThat(server.connections).hasValue(1);
      assertThat(kept.prober().idleHttpConnections()).isEqualTo(1);
      kept.close();
      await().atMost(Duration.ofSeconds(5)).until(() -> server.closed.get() == 1);
    }
  }

  @Test
  void aKeptConnectionTheServerClosedIsDroppedAndTheNextRunConnectsAgain() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> {
          write(out, ok("{}"));
          return false; // closes after each answer without saying so, as an idle timeout does
        });
        var kept = new Kept(module(get(server, "")))) {
      assertThat(kept.run().status()).isEqualTo(HealthStatus.HEALTHY);
      await().atMost(Duration.ofSeconds(5)).until(() -> kept.prober().idleHttpConnections() == 0);
      assertThat(kept.run().status()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(server.connections).hasValue(2);
    }
  }

  @Test
  void aChunkedBodyIsReadWholeAndTheConnectionServesAgain() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> write(out,
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n{\"ok\r\n6\r\n\":true\r\n1\r\n}\r\n0\r\nX-Trailer: t\r\n\r\n"));
        var kept = new Kept(module(get(server, ", json = [{ path = ok, op = eq, value = true }]")))) {
      assertThat(kept.run().status()).isEqualTo(HealthStatus.HEALTHY);
      Outcome again = kept.run();
      assertThat(again.status()).as(again.detail()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(server.connections).hasValue(1);
    }
  }

  @Test
  void aBodyWithoutALengthEndsWithTheConnection() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> {
      write(out, "HTTP/1.0 200 OK\r\n\r\n{\"ok\": true}");
      return false;
    })) {
      var line = diagnose(get(server, ", json = [{ path = ok, op = eq, value = true }]"));
      assertThat(line.status()).as(line.detail()).isEqualTo(HealthStatus.HEALTHY);
    }
  }

  @Test
  void headHasNoBodyAndAnInterimAnswerIsSkipped() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> write(out, request.startsWith("HEAD")
        ? "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
        : "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"))) {
      var head = diagnose(get(server, ", method = head"));
      assertThat(head.status()).as(head.detail()).isEqualTo(HealthStatus.HEALTHY);
      var noContent = diagnose(get(server, ", expect-status = [204]"));
      assertThat(noContent.status()).as(noContent.detail()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(noContent.detail()).isEqualTo("HTTP 204");
    }
  }

  @Test
  void theBodyIsDecodedWithTheCharsetTheAnswerNames() throws Exception {
    byte[] latin = "{\"name\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
    try (var server = new Fixtures.Scripted((request, out) -> {
      write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=\"ISO-8859-1\"\r\nContent-Length: "
          + latin.length + "\r\n\r\n");
      out.write(latin);
      return true;
    })) {
      var line = diagnose(get(server, ", json = [{ path = name, op = eq, value = \"caf\u00e9\" }]"));
      assertThat(line.status()).as(line.detail()).isEqualTo(HealthStatus.HEALTHY);
    }
  }

  @Test
  void aServerThatDoesNotSpeakHttpIsAConnectionError() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> {
      write(out, "SSH-2.0-OpenSSH_9.6\r\n");
      return false;
    })) {
      var line = diagnose(get(server, ""));
      assertThat(line.status()).isEqualTo(HealthStatus.UNHEALTHY);
      assertThat(line.category()).isEqualTo("connection_error");
      assertThat(line.detail()).startsWith("127.0.0.1:" + server.port() + ": ");
    }
  }

  @Test
  void aBodyLargerThanTheCapIsNotReadWholeAndTheProbeSaysSo() throws Exception {
    int size = ProbeHttp.MAX_BODY + 1024;
    try (var server = new Fixtures.Scripted((request, out) -> {
      write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n");
      out.write(new byte[size]);
      out.flush();
      return true;
    })) {
      var line = diagnose(get(server, ""));
      assertThat(line.status()).isEqualTo(HealthStatus.UNKNOWN);
      assertThat(line.category()).isEqualTo("probe_error");
      assertThat(line.detail()).isEqualTo("GET " + server.url("/health") + ": an answer larger than 2.0 MiB");
      // or-served-at reads no body: a large one is still an answer
      var port = diagnose("{ id = ports.api, kind = port-free, host = \"127.0.0.1\", port = " + server.port() + ","
          + " or-served-at = \"" + server.url("/health") + "\" }");
      assertThat(port.status()).as(port.detail()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(port.detail()).endsWith("(HTTP 200)");
    }
  }

  @Test
  void aRunInterruptedWhileItWaitsEndsAtOnceAsInterrupted() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> {
          Thread.sleep(10_000); // never answers in time: the daemon stops meanwhile
          return false;
        });
        var kept = new Kept(module(get(server, "").replace("timeout = 5s", "timeout = 20s")))) {
      AtomicReference<Outcome> outcome = new AtomicReference<>();
      Thread run = Thread.ofVirtual().start(() -> outcome.set(kept.run()));
      await().atMost(Duration.ofSeconds(5)).until(() -> server.requests.size() == 1);
      run.interrupt();
      run.join(Duration.ofSeconds(5));
      assertThat(run.isAlive()).isFalse();
      assertThat(outcome.get().status()).isEqualTo(HealthStatus.UNKNOWN);
      assertThat(outcome.get().detail()).isEqualTo("interrupted");
      await().atMost(Duration.ofSeconds(5)).until(() -> kept.prober().idleHttpConnections() == 0);
    }
  }
}
