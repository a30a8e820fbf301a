package dev.vigil.bench.ingest;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client of {@code scripts/bench ingest}: sends pre-encoded OTLP/HTTP protobuf trace exports
 * to a running node over a fixed number of connections for a warm-up and then a measured period,
 * and checks that the node's store counted exactly the events it acknowledged.
 *
 * <pre>
 * java -cp vigil-bench.jar dev.vigil.bench.ingest.IngestBench OTLP_URL DB_PATH REP
 *     [--seconds S] [--warmup S] [--connections N] [--spans N] [--node-pid PID]
 * </pre>
 *
 * <p>Each request holds {@code --spans} spans (default 500) of eight services, each span with
 * error status and one {@code exception} event drawn from an {@link ErrorCorpus} of {@value
 * ErrorCorpus#KINDS} distinct errors. A pool of requests is encoded before the clock starts; per
 * send, only the first 8 bytes of every trace id are overwritten with a per-request number (at
 * offsets found at encoding time), so every event of the run has its own identity and none is a
 * duplicate. Each connection is one thread with its own {@link HttpClient} (HTTP/1.1, one
 * keep-alive connection) that sends one request at a time.
 *
 * <p>Prints {@code RESULT bench=ingest rep=<i> | events_per_s=<x> p99_request_ms=<x> ...} on
 * standard output; exits 1 if any request failed or the store's count differs from the
 * acknowledged events.
 */
public final class IngestBench {
  private static final int POOL = 48;

  private IngestBench() {}

  /** A pre-encoded request and where its trace ids are. */
  record Encoded(byte[] body, int[] traceIdOffsets, int[] timeOffsets, long baseNanos, int events) {
    /**
     * Copies the request into {@code buffer} with its own trace ids (first 8 bytes: {@code
     * request}) and its times moved by {@code nowNanos - baseNanos}, so the spans look like
     * ones that just ended.
     */
    void patch(byte[] buffer, long request, long nowNanos) {
      System.arraycopy(body, 0, buffer, 0, body.length);
      for (int off : traceIdOffsets) {
        putLong(buffer, off, request);
      }
      long shift = nowNanos - baseNanos;
      for (int off : timeOffsets) {
        long t = 0;
        for (int i = 7; i >= 0; i--) { // fixed64: little-endian
          t = t << 8 | (buffer[off + i] & 0xff);
        }
        t += shift;
        for (int i = 0; i < 8; i++) {
          buffer[off + i] = (byte) t;
          t >>>= 8;
        }
      }
    }
  }

  /** What one connection did. */
  private static final class Worker {
    final List<Long> latenciesNs = new ArrayList<>(); // measured window only
    long measuredEvents;
    long measuredRequests;
    long ackedEvents; // whole run, 2xx only
    long ackedRequests;
    long failedRequests;
    String firstFailure;
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println(
          "usage: IngestBench OTLP_URL DB_PATH REP [--seconds S] [--warmup S] [--connections N] [--spans N] [--node-pid PID]");
      System.exit(2);
    }
    URI url = URI.create(args[0].replaceAll("/+$", "") + "/v1/traces");
    Path db = Path.of(args[1]);
    String rep = args[2];
    double seconds = 30;
    double warmup = 5;
    int connections = 4;
    int spans = 500;
    long nodePid = -1;
    for (int i = 3; i < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--seconds" -> seconds = Double.parseDouble(v);
        case "--warmup" -> warmup = Double.parseDouble(v);
        case "--connections" -> connections = Integer.parseInt(v);
        case "--spans" -> spans = Integer.parseInt(v);
        case "--node-pid" -> nodePid = Long.parseLong(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }

    long t0 = System.nanoTime();
    List<Encoded> pool = encodePool(spans, 20240601L);
    long bytes = pool.stream().mapToLong(e -> e.body().length).sum();
    System.err.printf(
        Locale.ROOT,
        "encoded %d requests of %d spans (%.0f KiB each) in %.1f s; sending to %s over %d connections, %.0f s warm-up + %.0f s measured%n",
        pool.size(), spans, bytes / 1024.0 / pool.size(), (System.nanoTime() - t0) / 1e9, url,
        connections, warmup, seconds);

    long start = System.nanoTime();
    long measureFrom = start + (long) (warmup * 1e9);
    long measureTo = measureFrom + (long) (seconds * 1e9);
    Worker[] workers = new Worker[connections];
    Thread[] threads = new Thread[connections];
    CountDownLatch done = new CountDownLatch(connections);
    AtomicLong sequence = new AtomicLong();
    double[] nodeCpuAt = new double[2];
    long[] clientCpuAt = new long[2];
    for (int c = 0; c < connections; c++) {
      Worker w = new Worker();
      workers[c] = w;
      int connection = c;
      threads[c] =
          Thread.ofPlatform()
              .name("ingest-client-" + c)
              .start(
                  () -> {
                    try {
                      send(url, pool, connection, sequence, measureFrom, measureTo, w);
                    } finally {
                      done.countDown();
                    }
                  });
    }
    // CPU of the node and of this client over the measured window, sampled by the main thread
    sleepUntil(measureFrom);
    nodeCpuAt[0] = cpuSeconds(nodePid);
    clientCpuAt[0] = processCpuNs();
    sleepUntil(measureTo);
    nodeCpuAt[1] = cpuSeconds(nodePid);
    clientCpuAt[1] = processCpuNs();
    done.await();

    long measuredEvents = 0;
    long measuredRequests = 0;
    long acked = 0;
    long ackedRequests = 0;
    long failed = 0;
    String failure = null;
    List<Long> latencies = new ArrayList<>();
    for (Worker w : workers) {
      measuredEvents += w.measuredEvents;
      measuredRequests += w.measuredRequests;
      acked += w.ackedEvents;
      ackedRequests += w.ackedRequests;
      failed += w.failedRequests;
      latencies.addAll(w.latenciesNs);
      if (failure == null) {
        failure = w.firstFailure;
      }
    }
    long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();

    // every acknowledged event must be counted once: the store's sums against the client's
    long[] counted = countStore(db);
    long countedEvents = counted[0];
    long signatures = counted[1];
    long seen = counted[2];
    boolean exact = countedEvents == acked && seen == acked;

    Map<String, String> r = new LinkedHashMap<>();
    r.put("events_per_s", fmt("%.0f", measuredEvents / seconds));
    r.put("p99_request_ms", fmt("%.1f", percentile(sorted, 0.99) / 1e6));
    r.put("p50_request_ms", fmt("%.1f", percentile(sorted, 0.50) / 1e6));
    r.put("max_request_ms", fmt("%.1f", sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6));
    r.put("requests_per_s", fmt("%.1f", measuredRequests / seconds));
    if (nodePid > 0) {
      r.put("node_cpu_cores", fmt("%.2f", (nodeCpuAt[1] - nodeCpuAt[0]) / seconds));
      // the node's CPU per event: the figure that the neighbours on a shared machine move least
      r.put("node_cpu_us_per_event", fmt("%.1f", measuredEvents == 0 ? 0 : (nodeCpuAt[1] - nodeCpuAt[0]) * 1e6 / measuredEvents));
    }
    r.put("client_cpu_cores", fmt("%.2f", (clientCpuAt[1] - clientCpuAt[0]) / 1e9 / seconds));
    r.put("acked_events", Long.toString(acked));
    r.put("counted_events", Long.toString(countedEvents));
    r.put("seen_events", Long.toString(seen));
    r.put("failed_requests", Long.toString(failed));
    r.put("exact", exact ? "1" : "0");
    r.put("signatures", Long.toString(signatures));
    StringBuilder line = new StringBuilder("RESULT bench=ingest rep=" + rep + " |");
    r.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
    System.out.println(line);
    System.err.printf(
        Locale.ROOT,
        "%d requests acknowledged (%d events), %d failed; the store counts %d events in %d signatures (%d identities)%n",
        ackedRequests, acked, failed, countedEvents, signatures, seen);
    if (failure != null) {
      System.err.println("first failure: " + failure);
    }
    if (!exact) {
      System.err.println("error: the store's count differs from the acknowledged events");
    }
    System.exit(exact && failed == 0 ? 0 : 1);
  }

  private static void send(
      URI url,
      List<Encoded> pool,
      int connection,
      AtomicLong sequence,
      long measureFrom,
      long measureTo,
      Worker w) {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    int next = connection * 7; // connections start at different places of the pool
    byte[] buffer = null;
    while (true) {
      long now = System.nanoTime();
      if (now >= measureTo) {
        break;
      }
      Encoded e = pool.get(next++ % pool.size());
      if (buffer == null || buffer.length != e.body().length) {
        buffer = new byte[e.body().length];
      }
      // 1-based, never zero: a trace id of zeros is invalid
      e.patch(buffer, sequence.incrementAndGet(), System.currentTimeMillis() * 1_000_000L);
      HttpRequest req =
          HttpRequest.newBuilder(url)
              .header("Content-Type", "application/x-protobuf")
              .timeout(Duration.ofSeconds(120))
              .POST(HttpRequest.BodyPublishers.ofByteArray(buffer))
              .build();
      long sent = System.nanoTime();
      int status;
      String body = null;
      try {
        HttpResponse<byte[]> res = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
        status = res.statusCode();
        if (status / 100 != 2) {
          body = new String(res.body(), java.nio.charset.StandardCharsets.UTF_8);
        }
      } catch (IOException ex) {
        status = -1;
        body = ex.toString();
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        return;
      }
      long end = System.nanoTime();
      if (status / 100 == 2) {
        w.ackedEvents += e.events();
        w.ackedRequests++;
        if (end > measureFrom && end <= measureTo) {
          w.measuredEvents += e.events();
          w.measuredRequests++;
          w.latenciesNs.add(end - sent);
        }
      } else {
        w.failedRequests++;
        if (w.firstFailure == null) {
          w.firstFailure = "HTTP " + status + ": " + body;
        }
      }
    }
  }

  /** Encodes the request pool; trace ids are placeholders whose first 8 bytes are set per send. */
  static List<Encoded> encodePool(int spansPerRequest, long seed) {
    ErrorCorpus corpus = new ErrorCorpus(seed);
    Random random = new Random(seed + 1);
    long baseNanos = System.currentTimeMillis() * 1_000_000L;
    List<Encoded> pool = new ArrayList<>(POOL);
    for (int p = 0; p < POOL; p++) {
      // spans grouped by service, as an SDK batch of a collector that serves several services
      Map<String, List<Span>> byService = new LinkedHashMap<>();
      List<byte[]> traceIds = new ArrayList<>(spansPerRequest);
      List<long[]> times = new ArrayList<>(spansPerRequest);
      for (int i = 0; i < spansPerRequest; i++) {
        ErrorCorpus.Occurrence o = corpus.next();
        byte[] traceId = new byte[16];
        Arrays.fill(traceId, 0, 8, (byte) 0x5a); // placeholder, overwritten per send
        putLong(traceId, 8, ((long) p << 32) | i | 1L << 62);
        byte[] spanId = new byte[8];
        random.nextBytes(spanId);
        spanId[0] |= 1;
        // spans that ended in the last 5 s, as an SDK's batch exporter sends them
        long end = baseNanos - random.nextLong(5_000_000_000L);
        long startNs = end - (1 + random.nextInt(2_000)) * 1_000_000L;
        List<KeyValue> event = new ArrayList<>(3);
        event.add(kv("exception.type", o.type()));
        event.add(kv("exception.message", o.message()));
        if (o.stack() != null) {
          event.add(kv("exception.stacktrace", o.stack()));
        }
        Span span =
            Span.newBuilder()
                .setTraceId(ByteString.copyFrom(traceId))
                .setSpanId(ByteString.copyFrom(spanId))
                .setName("POST /api/" + o.service())
                .setKind(Span.SpanKind.SPAN_KIND_SERVER)
                .setStartTimeUnixNano(startNs)
                .setEndTimeUnixNano(end)
                .addAttributes(kv("http.request.method", "POST"))
                .addAttributes(kv("http.route", "/api/" + o.service() + "/{id}"))
                .addAttributes(kv("http.response.status_code", "500"))
                .addEvents(
                    Span.Event.newBuilder()
                        .setName("exception")
                        .setTimeUnixNano(end - 1 - random.nextInt(1_000_000))
                        .addAllAttributes(event))
                .setStatus(
                    Status.newBuilder()
                        .setCode(Status.StatusCode.STATUS_CODE_ERROR)
                        .setMessage(o.type()))
                .build();
        byService.computeIfAbsent(o.service(), k -> new ArrayList<>()).add(span);
      }
      ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
      byService.forEach(
          (service, list) -> {
            request.addResourceSpans(
                ResourceSpans.newBuilder()
                    .setResource(
                        Resource.newBuilder()
                            .addAttributes(kv("service.name", service))
                            .addAttributes(kv("service.version", "1.4." + (service.length() % 5)))
                            .addAttributes(kv("deployment.environment.name", "production"))
                            .addAttributes(kv("host.name", service + "-7f9c6d-" + service.length())))
                    .addScopeSpans(
                        ScopeSpans.newBuilder()
                            .setScope(InstrumentationScope.newBuilder().setName("io.opentelemetry.servlet").setVersion("2.9.0"))
                            .addAllSpans(list)));
            for (Span s : list) {
              traceIds.add(s.getTraceId().toByteArray());
              times.add(new long[] {s.getStartTimeUnixNano(), s.getEndTimeUnixNano(), s.getEvents(0).getTimeUnixNano()});
            }
          });
      byte[] body = request.build().toByteArray();
      // where each span's trace id and its three times (fixed64) are: searched in encoding order
      int[] offsets = new int[traceIds.size()];
      int[] timeOffsets = new int[traceIds.size() * 3];
      int from = 0;
      for (int i = 0; i < offsets.length; i++) {
        int at = indexOf(body, traceIds.get(i), from);
        if (at < 0) {
          throw new IllegalStateException("trace id " + i + " of request " + p + " not found in its encoding");
        }
        offsets[i] = at;
        from = at + 16;
        for (int k = 0; k < 3; k++) {
          int t = indexOf(body, littleEndian(times.get(i)[k]), from);
          if (t < 0) {
            throw new IllegalStateException("time " + k + " of span " + i + " of request " + p + " not found");
          }
          timeOffsets[i * 3 + k] = t;
          from = t + 8;
        }
      }
      pool.add(new Encoded(body, offsets, timeOffsets, baseNanos, spansPerRequest));
    }
    return pool;
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static byte[] littleEndian(long v) {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) v;
      v >>>= 8;
    }
    return b;
  }

  private static void putLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }

  /** Sum of occurrence counts, number of signatures, number of seen identities. */
  private static long[] countStore(Path db) throws Exception {
    if (!Files.isRegularFile(db)) {
      throw new IllegalStateException("no store at " + db);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + db.toAbsolutePath() + "?mode=ro");
        Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 10000");
      long[] out = new long[3];
      try (ResultSet rs = s.executeQuery("SELECT coalesce(sum(occurrence_count), 0), count(*) FROM signatures")) {
        rs.next();
        out[0] = rs.getLong(1);
        out[1] = rs.getLong(2);
      }
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM seen_events")) {
        rs.next();
        out[2] = rs.getLong(1);
      }
      return out;
    }
  }

  private static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** utime + stime of a process in seconds, from /proc (clock ticks of 1/100 s), or 0. */
  private static double cpuSeconds(long pid) {
    if (pid <= 0) {
      return 0;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields 14 and 15 of stat, counted from after the command name (which starts at field 3)
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static long processCpuNs() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, left / 1_000_000));
    }
  }

  private static String fmt(String format, double v) {
    return String.format(Locale.ROOT, format, v);
  }
}
