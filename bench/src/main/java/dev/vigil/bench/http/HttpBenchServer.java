package dev.vigil.bench.http;

import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonState;
import dev.vigil.core.DaemonType;
import dev.vigil.core.IdleDaemon;
import dev.vigil.launcher.http.NodeHttpServer;
import dev.vigil.launcher.http.NodeInfo;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The servers {@code scripts/bench http} measures besides a real node, one per JVM:
 *
 * <ul>
 *   <li>{@code raw}: a bare Jetty 12 handler answering every request with a fixed body, on the
 *       thread setup of the launcher's {@code NodeHttpServer} (a queued pool of 8 platform threads
 *       named {@code vigil-http}, requests on virtual threads, one acceptor, one selector), so the
 *       only difference from the node's {@code /health} is the work of the node's handler;
 *   <li>{@code metrics N}: a {@link DaemonManager} running {@code N} idle daemons, served by the
 *       launcher's own {@link NodeHttpServer}, for its {@code /metrics}.
 * </ul>
 *
 * <p>Usage: {@code java -cp vigil-bench.jar dev.vigil.bench.http.HttpBenchServer raw|metrics N}.
 * Listens on an ephemeral port of 127.0.0.1, prints {@code URL http://127.0.0.1:PORT} on
 * standard output once it accepts connections, and runs until the JVM is signalled.
 */
public final class HttpBenchServer {
  /**
   * What the raw handler answers: the bytes a healthy node's {@code /health} answers, with the
   * same headers, so both send the same amount over the socket.
   */
  static final byte[] RAW_BODY =
      "{\"status\":\"ok\",\"daemons\":{},\"reasons\":[]}".getBytes(StandardCharsets.UTF_8);

  private HttpBenchServer() {}

  /** Entry point; exits 2 on bad usage, 1 when the server cannot start. */
  public static void main(String[] args) throws InterruptedException {
    try {
      serve(args);
    } catch (Exception e) {
      System.err.println("bench server " + String.join(" ", args) + " failed:");
      e.printStackTrace();
      // Jetty's threads are not daemons: without this a server that failed to start would hang
      System.exit(1);
    }
  }

  private static void serve(String[] args) throws Exception {
    AutoCloseable server;
    URI uri;
    if (args.length == 1 && args[0].equals("raw")) {
      Server raw = raw();
      server = raw::stop;
      uri = URI.create("http://127.0.0.1:" + ((ServerConnector) raw.getConnectors()[0]).getLocalPort());
    } else if (args.length == 2 && args[0].equals("metrics")) {
      int n = Integer.parseInt(args[1]);
      DaemonManager manager = manager(n);
      NodeHttpServer node =
          NodeHttpServer.start(
              "127.0.0.1",
              0,
              manager,
              new NodeInfo(
                  "bench", "bench-" + n, ProcessHandle.current().pid(), Instant.now(), "bench", null),
              "bench-token",
              () -> {});
      server =
          () -> {
            node.close();
            manager.shutdown(Duration.ofSeconds(10)).join();
          };
      uri = node.uri();
    } else {
      System.err.println("usage: java -cp vigil-bench.jar " + HttpBenchServer.class.getName()
          + " raw|metrics N");
      System.exit(2);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.close();
      } catch (Exception e) {
        System.err.println("stopping the server failed: " + e);
      }
    }));
    System.out.println("URL " + uri);
    System.out.flush();
    // the script stops us with SIGTERM when it is done
    new CountDownLatch(1).await();
  }

  /** A started Jetty server with the launcher's thread setup and a fixed-body handler. */
  static Server raw() throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(8, 2);
    threads.setName("vigil-http");
    threads.setReservedThreads(0);
    ThreadFactory virtual = Thread.ofVirtual().name("vigil-http-request-", 0).factory();
    Executor perTask = task -> virtual.newThread(task).start();
    threads.setVirtualThreadsExecutor(perTask);

    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server, 1, 1);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    // blocking, as the node's handler is: Jetty runs it on a virtual thread as it does the node's
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            response.setStatus(200);
            var headers = response.getHeaders();
            headers.put(HttpHeader.CONTENT_TYPE, "application/json");
            headers.put(HttpHeader.CACHE_CONTROL, "no-store");
            headers.put(HttpHeader.CONTENT_LENGTH, RAW_BODY.length);
            response.write(true, ByteBuffer.wrap(RAW_BODY), callback);
            return true;
          }
        });
    server.start();
    return server;
  }

  /** A manager with {@code n} idle daemons, all RUNNING. */
  static DaemonManager manager(int n) throws Exception {
    List<DaemonSpec> specs = new ArrayList<>(n);
    List<DaemonType> types = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      DaemonType type = DaemonType.of("BENCH_DAEMON_" + i);
      types.add(type);
      specs.add(DaemonSpec.builder(type, Idle::new).category("bench").build());
    }
    DaemonManager manager = DaemonManager.builder(DaemonRegistry.of(specs)).build();
    manager.start(types).get();
    for (DaemonType type : types) {
      if (manager.info(type).state() != DaemonState.RUNNING) {
        throw new IOException(type + " is " + manager.info(type).state() + ", not RUNNING");
      }
    }
    return manager;
  }

  /** A daemon that does nothing, healthy. */
  static final class Idle extends IdleDaemon {}
}
