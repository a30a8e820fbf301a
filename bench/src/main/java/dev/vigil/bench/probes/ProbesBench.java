package dev.vigil.bench.probes;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vigil.core.DaemonManager;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.HealthCheckResult;
import dev.vigil.core.Profile;
import dev.vigil.sandbox.SandboxHealthModule;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code probes} benchmark: the real {@code SANDBOX_HEALTH} daemon under a real {@link
 * DaemonManager}, running N cheap probes (default 200) every second (plus the default jitter of up
 * to 10 %): a quarter {@code http} (GET /health, a JSON assertion on the body), a quarter {@code
 * tcp} connects, a quarter {@code port-free} (half must be free, half held), an eighth {@code disk}
 * and an eighth {@code env}. The targets run in another JVM ({@link ProbeTargets}), so their CPU
 * time is not counted.
 *
 * <p>After a warm-up (5 s unless a fourth argument says otherwise), the process's CPU time (every thread: the probes, the supervisor, JIT
 * and GC) over the measured window of wall time, in percent of one core. The HTTP requests and TCP
 * connections the targets saw in the window show the probes really ran at their rate; the probe
 * statuses at the end show they worked.
 *
 * <p>Usage: {@code java -cp vigil-bench.jar dev.vigil.bench.probes.ProbesBench N SECONDS REP
 * [WARMUP_SECONDS]};
 * prints {@code RESULT bench=probes n=<N> rep=<REP> | cpu_pct=<x> ...}.
 */
public final class ProbesBench {
  static final Duration WARMUP = Duration.ofSeconds(5);
  private static final Pattern PORTS = Pattern.compile("PORTS http=(\\d+) tcp=(\\d+)");
  private static final Pattern COUNT = Pattern.compile("http=(\\d+) tcp=(\\d+)");

  private ProbesBench() {}

  /** Entry point; exits 2 on bad usage. */
  public static void main(String[] args) throws Exception {
    if (args.length < 3 || args.length > 4 || !String.join(" ", args).matches("[1-9][0-9]*( [0-9]+)*")) {
      System.err.println("usage: ProbesBench N SECONDS REP [WARMUP_SECONDS]");
      System.exit(2);
    }
    int n = Integer.parseInt(args[0]);
    Duration window = Duration.ofSeconds(Long.parseLong(args[1]));
    int rep = Integer.parseInt(args[2]);
    Duration warmup = args.length == 4 ? Duration.ofSeconds(Long.parseLong(args[3])) : WARMUP;
    Process targets = startTargets();
    try {
      System.out.println(run(n, window, warmup, rep, targets));
    } finally {
      targets.getOutputStream().close(); // its stdin: it exits
      if (!targets.waitFor(5, TimeUnit.SECONDS)) {
        targets.destroyForcibly();
      }
    }
  }

  private static Process startTargets() throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    // small and quick to start: it must not crowd the measured JVM off the cores either
    Process p = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"), ProbeTargets.class.getName())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    return p;
  }

  static String run(int n, Duration window, Duration warmup, int rep, Process targets) throws Exception {
    BufferedReader fromTargets =
        new BufferedReader(new InputStreamReader(targets.getInputStream(), StandardCharsets.UTF_8));
    String line = fromTargets.readLine();
    Matcher m = line == null ? null : PORTS.matcher(line);
    if (m == null || !m.matches()) {
      throw new IllegalStateException("the target process said " + line);
    }
    int httpPort = Integer.parseInt(m.group(1));
    int tcpPort = Integer.parseInt(m.group(2));
    Path disk = Files.createTempDirectory("vigil-bench-probes");
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("VIGIL_BENCH_PROBE", "on");
    Config config = ConfigFactory.parseString(block(n, httpPort, tcpPort, disk))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
    SandboxHealthModule module = SandboxHealthModule.create(config, env, disk);
    DaemonRegistry registry = DaemonRegistry.of(module.specs());
    DaemonManager manager = DaemonManager.builder(registry).build();
    HttpClient counter = HttpClient.newHttpClient();
    URI count = URI.create("http://127.0.0.1:" + httpPort + "/count");

    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuStart = os.getProcessCpuTime();
    long wallStart = System.nanoTime();
    manager.start(new Profile("bench", registry.types())).get(1, TimeUnit.MINUTES);
    Thread.sleep(warmup.toMillis());

    long[] hits0 = hits(counter, count);
    long cpu0 = os.getProcessCpuTime();
    long wall0 = System.nanoTime();
    long gc0 = gcMillis();
    long jit0 = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    Thread.sleep(window.toMillis());
    long cpu1 = os.getProcessCpuTime();
    long wall1 = System.nanoTime();
    long gc1 = gcMillis();
    long jit1 = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    long[] hits1 = hits(counter, count);

    Map<String, Integer> statuses = statuses(manager.health(SandboxHealthModule.SANDBOX_HEALTH));
    manager.shutdown(Duration.ofSeconds(30)).get(1, TimeUnit.MINUTES);
    long cpuEnd = os.getProcessCpuTime();
    long wallEnd = System.nanoTime();

    double wallS = (wall1 - wall0) / 1e9;
    long httpRuns = hits1[0] - hits0[0] - 1; // one of them is the /count itself
    long tcpRuns = hits1[1] - hits0[1];
    // each probe's interval is 1 s plus up to 10 % jitter, mean 1.05 s, after its previous run
    // ended: the most runs that could have happened
    double expectedPerS = (n / 4.0) / 1.05;
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
        "RESULT bench=probes n=%d rep=%d | cpu_pct=%.2f cpu_pct_with_start=%.2f http_runs_per_s=%.1f"
            + " tcp_runs_per_s=%.1f expected_per_s=%.1f cpu_us_per_run=%.0f gc_ms=%d jit_ms=%d window_s=%.0f warmup_s=%d",
        n, rep,
        100.0 * (cpu1 - cpu0) / (wall1 - wall0),
        100.0 * (cpuEnd - cpuStart) / (wallEnd - wallStart),
        httpRuns / wallS, tcpRuns / wallS, expectedPerS,
        (cpu1 - cpu0) / 1e3 / Math.max(1.0, (httpRuns + tcpRuns) * 2.0 /* http and tcp are half the probes */),
        gc1 - gc0, jit1 - jit0, wallS, warmup.toSeconds()));
    statuses.forEach((status, k) -> b.append(' ').append(status).append('=').append(k));
    return b.toString();
  }

  /** The SANDBOX_HEALTH block: n probes, every one each second. */
  static String block(int n, int httpPort, int tcpPort, Path disk) throws IOException {
    List<Integer> free = freePorts(n); // one each, whatever the mix
    StringBuilder b = new StringBuilder("vigil.daemons.SANDBOX_HEALTH {\n  probes = [\n");
    String common = "interval = 1s, timeout = 1s, severity = required";
    // -Dprobes.kinds=0,1 (slots of the mix below) runs only those kinds: to see what each costs
    int[] slots = java.util.Arrays.stream(System.getProperty("probes.kinds", "0,1,2,3,4,5,6,7").split(","))
        .mapToInt(Integer::parseInt).toArray();
    for (int i = 0; i < n; i++) {
      String id = "p" + i;
      String probe = switch (slots[i % slots.length]) {
        case 0, 1 -> "kind = http, url = \"http://127.0.0.1:" + httpPort + "/health\", expect-status = [200],"
            + " json = [{ path = \"ok\", op = eq, value = true }]";
        case 2, 3 -> "kind = tcp, host = \"127.0.0.1\", port = " + tcpPort;
        case 4 -> "kind = port-free, port = " + free.get(i) + ", expect-free = true, host = \"127.0.0.1\"";
        case 5 -> "kind = port-free, port = " + tcpPort + ", expect-free = false, host = \"127.0.0.1\"";
        case 6 -> "kind = disk, path = \"" + disk + "\", min-free-bytes = 1M";
        default -> "kind = env, required = [\"VIGIL_BENCH_PROBE\", \"PATH\"], optional = [\"HOME\"]";
      };
      b.append("    { id = \"").append(id).append("\", ").append(probe).append(", ").append(common).append(" }\n");
    }
    return b.append("  ]\n}\n").toString();
  }

  private static List<Integer> freePorts(int k) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < k; i++) {
        held.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
      }
      return held.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }

  private static long[] hits(HttpClient client, URI count) throws IOException, InterruptedException {
    String body = client.send(HttpRequest.newBuilder(count).build(), HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = COUNT.matcher(body);
    if (!m.matches()) {
      throw new IllegalStateException("the target process counted " + body);
    }
    return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
  }

  /** How many probes have each status in the daemon's latest report ({@code healthy=200}). */
  @SuppressWarnings("unchecked")
  private static Map<String, Integer> statuses(HealthCheckResult health) {
    Map<String, Integer> out = new TreeMap<>();
    Object probes = health.details().get("probes");
    if (probes instanceof List<?> list) {
      for (Object p : list) {
        out.merge(String.valueOf(((Map<String, Object>) p).get("status")), 1, Integer::sum);
      }
    }
    return out;
  }

  private static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }
}
