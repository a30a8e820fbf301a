package dev.vigil.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The probes' HTTP/1.1 client against a real server on loopback that answers byte for byte what each test scripts. */
class Http11ClientTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private final Http11Client client = new Http11Client(System::nanoTime);

  @AfterEach
  void closeClient() {
    client.close();
  }

  private static String ok(String body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
  }

  private Http11Client.Response get(Fixtures.Scripted server, String path) throws IOException {
    return client.send("GET", server.url(path), List.of(), Optional.empty(), TIMEOUT, true);
  }

  @Test
  void sendsTheMethodHeadersAndBodyAndReadsTheAnswer() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> write(out, ok("{\"ok\":true}")))) {
      var response = client.send("POST", server.url("/jobs?dry=1"), List.of(Map.entry("X-Token", "abc")),
          Optional.of("{\"n\":1}"), TIMEOUT, true);
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("{\"ok\":true}");
      String request = server.requests.getFirst();
      assertThat(request).startsWith("POST /jobs?dry=1 HTTP/1.1\r\n")
          .contains("\r\nHost: 127.0.0.1:" + server.port() + "\r\n", "\r\nX-Token: abc\r\n", "\r\nContent-Length: 7\r\n")
          .endsWith("\r\n\r\n{\"n\":1}");
    }
  }

  @Test
  void keepsTheConnectionAliveForTheNextRequest() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> write(out, ok("{}")))) {
      assertThat(get(server, "/a").status()).isEqualTo(200);
      assertThat(get(server, "/b").status()).isEqualTo(200);
      assertThat(server.requests).hasSize(2);
      assertThat(server.connections).hasValue(1);
      assertThat(client.idleConnections()).isEqualTo(1);
    }
  }

  @Test
  void aRequestThatMustNotBeRepeatedNeverGoesOnAKeptConnection() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> write(out, ok("{}")))) {
      assertThat(get(server, "/").status()).isEqualTo(200);
      var post = client.send("POST", server.url("/"), List.of(), Optional.of("{}"), TIMEOUT, true);
      assertThat(post.status()).isEqualTo(200);
      assertThat(server.connections).hasValue(2);
      assertThat(get(server, "/").status()).isEqualTo(200); // on one of the two kept
      assertThat(server.connections).hasValue(2);
    }
  }

  @Test
  void aKeptConnectionTheServerClosedIsReplacedByANewOne() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> {
      write(out, ok("{}"));
      return false; // closes after each answer without saying so, as an idle timeout does
    })) {
      assertThat(get(server, "/a").status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(5)).until(() -> server.closed.get() == 1);
      assertThat(get(server, "/b").status()).isEqualTo(200);
      assertThat(server.requests).hasSize(2);
      assertThat(server.connections).hasValue(2);
    }
  }

  @Test
  void connectionCloseIsHonoured() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> {
      write(out, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}");
      return false;
    })) {
      assertThat(get(server, "/").body()).isEqualTo("{}");
      assertThat(client.idleConnections()).isZero();
    }
  }

  @Test
  void readsAChunkedBodyAndReusesTheConnection() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> write(out,
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n{\"ok\r\n6\r\n\":true\r\n1\r\n}\r\n0\r\nX-Trailer: t\r\n\r\n"))) {
      assertThat(get(server, "/").body()).isEqualTo("{\"ok\":true}");
      assertThat(get(server, "/").body()).isEqualTo("{\"ok\":true}");
      assertThat(server.connections).hasValue(1);
    }
  }

  @Test
  void aBodyWithoutALengthEndsWithTheConnection() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> {
      write(out, "HTTP/1.0 200 OK\r\n\r\nall of it");
      return false;
    })) {
      assertThat(get(server, "/").body()).isEqualTo("all of it");
      assertThat(client.idleConnections()).isZero();
    }
  }

  @Test
  void headAndNoContentAnswersHaveNoBodyAndInterimAnswersAreSkipped() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> write(out, request.startsWith("HEAD")
        ? "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
        : "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"))) {
      var head = client.send("HEAD", server.url("/"), List.of(), Optional.empty(), TIMEOUT, true);
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.body()).isEmpty();
      assertThat(get(server, "/").status()).isEqualTo(204);
      assertThat(server.connections).hasValue(1);
    }
  }

  @Test
  void redirectsAreTheAnswerAndAreNotFollowed() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> write(out,
        "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n"))) {
      assertThat(get(server, "/").status()).isEqualTo(302);
      assertThat(server.requests).hasSize(1);
    }
  }

  @Test
  void theBodyIsDecodedWithTheCharsetTheAnswerNames() throws Exception {
    byte[] latin = "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
    try (var server = new Fixtures.Scripted((request, out) -> {
      out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=\"ISO-8859-1\"\r\nContent-Length: "
          + latin.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(latin);
      return true;
    })) {
      assertThat(get(server, "/").body()).isEqualTo("caf\u00e9");
    }
  }

  @Test
  void theTimeoutBoundsTheWholeExchangeEvenWhenTheServerTrickles() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> {
      write(out, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
      for (int i = 0; i < 1000; i++) {
        out.write('x');
        out.flush();
        Thread.sleep(20); // a byte every 20 ms: each read is quick, the whole is not
      }
      return false;
    })) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> client.send("GET", server.url("/"), List.of(), Optional.empty(), Duration.ofMillis(300), true))
          .isInstanceOf(Http11Client.Timeout.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      assertThat(client.idleConnections()).isZero();
    }
  }

  @Test
  void refusedConnectionsAndServersThatDoNotSpeakHttpAreIoErrors() throws Exception {
    int port = Fixtures.freePort();
    assertThatThrownBy(() -> client.send("GET", URI.create("http://127.0.0.1:" + port + "/"), List.of(),
        Optional.empty(), TIMEOUT, true)).isInstanceOf(java.net.ConnectException.class);
    try (var server = new Fixtures.Scripted((request, out) -> {
      write(out, "SSH-2.0-OpenSSH_9.6\r\n");
      return false;
    })) {
      assertThatThrownBy(() -> get(server, "/")).isInstanceOf(IOException.class).hasMessageContaining("not an HTTP/1.x response");
    }
  }

  @Test
  void httpsToAServerWithoutTlsFailsTheHandshake() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> {
      write(out, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
      return false;
    }, true)) {
      URI url = URI.create("https://127.0.0.1:" + server.port() + "/");
      assertThatThrownBy(() -> client.send("GET", url, List.of(), Optional.empty(), TIMEOUT, true))
          .isInstanceOf(SSLException.class);
    }
  }

  @Test
  void headersTheClientWritesItselfOrWithLineBreaksAreRefused() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> write(out, ok("{}")))) {
      assertThatThrownBy(() -> client.send("GET", server.url("/"), List.of(Map.entry("Host", "evil")),
          Optional.empty(), TIMEOUT, true)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("restricted");
      assertThatThrownBy(() -> client.send("GET", server.url("/"), List.of(Map.entry("X-A", "a\r\nX-B: b")),
          Optional.empty(), TIMEOUT, true)).isInstanceOf(IllegalArgumentException.class);
      assertThat(server.requests).isEmpty();
    }
  }

  @Test
  void anInterruptedExchangeEndsAtOnceAndIsNotRetried() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> {
      Thread.sleep(10_000); // never answers in time: the caller is stopped meanwhile
      return false;
    })) {
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread caller = Thread.ofVirtual().start(() -> {
        try {
          get(server, "/");
        } catch (Throwable t) {
          failure.set(t);
        }
      });
      await().atMost(Duration.ofSeconds(5)).until(() -> server.requests.size() == 1);
      caller.interrupt();
      caller.join(Duration.ofSeconds(5));
      assertThat(caller.isAlive()).isFalse();
      assertThat(failure.get()).isInstanceOf(IOException.class).isNotInstanceOf(Http11Client.Timeout.class);
      assertThat(server.connections).hasValue(1);
    }
  }

  @Test
  void closingTheClientClosesItsIdleConnections() throws Exception {
    try (var server = new Fixtures.Scripted((request, out) -> write(out, ok("{}")))) {
      get(server, "/");
      assertThat(client.idleConnections()).isEqualTo(1);
      client.close();
      assertThat(client.idleConnections()).isZero();
      await().atMost(Duration.ofSeconds(5)).until(() -> server.closed.get() == 1);
      assertThat(get(server, "/").status()).isEqualTo(200); // still works, keeping nothing
      assertThat(client.idleConnections()).isZero();
    }
  }

  @Test
  void charsetDefaultsToUtf8() {
    assertThat(Http11Client.charset(null)).isEqualTo(StandardCharsets.UTF_8);
    assertThat(Http11Client.charset("application/json")).isEqualTo(StandardCharsets.UTF_8);
    assertThat(Http11Client.charset("text/plain; charset=nonsense-42")).isEqualTo(StandardCharsets.UTF_8);
    assertThat(Http11Client.charset("text/plain;Charset=utf-16")).isEqualTo(StandardCharsets.UTF_16);
  }

  private static boolean write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return true;
  }
}
