package dev.vigil.bench.probes;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the probes of {@link ProbesBench} look at, in a process of its own so that its CPU time is
 * not counted as the prober's: an HTTP server answering {@code GET /health} with {@code {"ok":
 * true}} as a service's health endpoint does, and a TCP listener that accepts connections and
 * closes them. {@code GET /count} answers {@code http=<n> tcp=<n>}, the requests and connections
 * served so far, so the benchmark can tell how many probe runs really reached a target.
 *
 * <p>Prints {@code PORTS http=<port> tcp=<port>} on standard output once listening, then serves
 * until standard input closes (the benchmark exits or closes it).
 */
public final class ProbeTargets {
  private ProbeTargets() {}

  /** Entry point; no arguments. */
  public static void main(String[] args) throws IOException {
    AtomicLong httpHits = new AtomicLong();
    AtomicLong tcpHits = new AtomicLong();
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
    http.setExecutor(Executors.newFixedThreadPool(2));
    byte[] health = "{\"ok\": true}".getBytes(StandardCharsets.UTF_8);
    http.createContext("/health", exchange -> {
      httpHits.incrementAndGet();
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, health.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(health);
      }
    });
    http.createContext("/count", exchange -> {
      byte[] body = ("http=" + httpHits.get() + " tcp=" + tcpHits.get()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    http.start();
    ServerSocket tcp = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().name("tcp-accept").start(() -> {
      while (true) {
        try (Socket s = tcp.accept()) {
          tcpHits.incrementAndGet();
        } catch (IOException e) {
          return;
        }
      }
    });
    System.out.println("PORTS http=" + http.getAddress().getPort() + " tcp=" + tcp.getLocalPort());
    System.out.flush();
    while (System.in.read() >= 0) {
      // serve until the benchmark goes away
    }
    http.stop(0);
    tcp.close();
  }
}
