package dev.vigil.sandbox;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonType;
import dev.vigil.core.RestartPolicy;
import io.prometheus.metrics.model.registry.MultiCollector;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.LoggerFactory;

/**
 * The sandbox-health module: what the launcher calls. {@link #create} reads and checks the {@code
 * vigil.daemons.SANDBOX_HEALTH} block (and its probes file) once; the module then gives the daemon's
 * {@link #spec()}, its {@link #metrics()} and one-shot {@link #diagnose runs} for {@code vigil
 * diagnose}.
 *
 * <p>The daemon's results are kept here, not in a daemon instance, so they survive restarts; {@link
 * #metrics()} reads them too. One module per node.
 */
public final class SandboxHealthModule {
  /** The daemon that runs the declared probes continuously. */
  public static final DaemonType SANDBOX_HEALTH = DaemonType.of("SANDBOX_HEALTH");

  private final ProbeConfig.Parsed parsed;
  private final EnvReader env;
  private final Path workingDir;
  private final ProbeBook book;
  private final Random random;

  SandboxHealthModule(ProbeConfig.Parsed parsed, EnvReader env, Path workingDir, Random random) {
    this.parsed = parsed;
    this.env = env;
    this.workingDir = workingDir;
    this.random = random;
    this.book = new ProbeBook(parsed.probes(), parsed.symptoms(), parsed.historySize());
  }

  /**
   * Reads the module's configuration from {@code config} (the whole merged, resolved tree).
   *
   * <p>Relative paths ({@code probes-file}, {@code env-files}, a disk probe's {@code path}, a
   * command's {@code cwd}) resolve against {@code workingDir}. A profile that ships probes
   * includes them with HOCON's {@code include "probes/local.conf"} inside the block, which resolves
   * against the profile file's own directory.
   *
   * @param env the process environment, read by env probes, headers and commands
   * @throws ConfigException naming every bad probe id, key, value and why
   */
  public static SandboxHealthModule create(Config config, Map<String, String> env, Path workingDir) {
    return create(config, env, workingDir, Optional.empty());
  }

  /**
   * As {@link #create(Config, Map, Path)}, with {@code probesFile} in place of the configured
   * {@code probes-file} ({@code vigil diagnose --probes FILE}).
   */
  public static SandboxHealthModule create(
      Config config, Map<String, String> env, Path workingDir, Optional<Path> probesFile) {
    Objects.requireNonNull(config, "config");
    ProbeConfig.Parsed parsed = ProbeConfig.read(config, probesFile, workingDir);
    return new SandboxHealthModule(
        parsed, new EnvReader(env, workingDir, EnvReader.FileSource.files()), workingDir, new Random());
  }

  /**
   * The {@code SANDBOX_HEALTH} spec: category {@code sandbox}, not critical, health checked every
   * {@code health-interval} (15 s by default); restarted without limit (1 s doubling to 60 s),
   * since the probes it runs are worth having back whatever happened.
   */
  public DaemonSpec spec() {
    Duration interval = parsed.healthInterval();
    Duration timeout = interval.compareTo(Duration.ofSeconds(5)) < 0 ? interval : Duration.ofSeconds(5);
    return DaemonSpec.builder(SANDBOX_HEALTH, () -> new SandboxHealthDaemon(this, random))
        .category("sandbox")
        .health(interval, timeout)
        .restartWhenUnhealthy(false)
        .restartPolicy(RestartPolicy.defaults().withUnlimitedAttempts())
        .stopTimeout(Duration.ofSeconds(10))
        .build();
  }

  /** The module's daemon specs: {@link #spec()} alone. */
  public List<DaemonSpec> specs() {
    return List.of(spec());
  }

  /**
   * Per-probe metrics ({@code vigil_probe_status}, {@code vigil_probe_latency_seconds}, {@code
   * vigil_probe_last_check_timestamp_seconds}, {@code vigil_probe_last_success_timestamp_seconds},
   * {@code vigil_probe_rollup_status}), read from the daemon's latest results at scrape time.
   */
  public MultiCollector metrics() {
    return new ProbeMetrics(book);
  }

  /** The declared symptom ids, in order. */
  public List<String> symptomIds() {
    return parsed.symptoms().stream().map(Symptom::id).toList();
  }

  /** The declared probe ids, in dependency order. */
  public List<String> probeIds() {
    return parsed.probes().stream().map(ProbeSpec::id).toList();
  }

  /**
   * Runs the probes once, now, in dependency order (those of one level in parallel, expensive ones
   * one at a time), without thresholds: each result is taken as found. With a symptom, only its
   * probes and what they depend on run, and the report shows that symptom alone. Blocks until every
   * probe has answered or timed out. Independent of the daemon's results.
   *
   * @throws IllegalArgumentException if {@code symptom} is not declared
   */
  public Diagnosis diagnose(Optional<String> symptom) throws InterruptedException {
    List<ProbeSpec> selected = parsed.probes();
    if (symptom.isPresent()) {
      Symptom s = parsed.symptoms().stream().filter(x -> x.id().equals(symptom.get())).findFirst()
          .orElseThrow(() -> new IllegalArgumentException(
              "no symptom '" + symptom.get() + "'; known: " + String.join(", ", symptomIds())));
      Set<String> wanted = withDependencies(s.probes());
      selected = parsed.probes().stream().filter(p -> wanted.contains(p.id())).toList();
    }
    ProbeBook once = new ProbeBook(selected, parsed.symptoms().stream()
        .filter(s -> symptom.isEmpty() || s.id().equals(symptom.get())).toList(), 1);
    Clock clock = Clock.systemUTC();
    try (Prober prober = prober(clock, System::nanoTime)) {
      new ProbeRunner(once, prober, clock, LoggerFactory.getLogger(SandboxHealthModule.class)).runAll(true);
    }
    Diagnosis d = once.diagnosis(false);
    return d; // the symptom's probes and the ones they depend on, which ran too
  }

  private Set<String> withDependencies(List<String> ids) {
    Set<String> out = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>(ids);
    while (!todo.isEmpty()) {
      String id = todo.pop();
      if (out.add(id)) {
        parsed.probes().stream().filter(p -> p.id().equals(id)).findFirst()
            .ifPresent(p -> todo.addAll(p.dependsOn()));
      }
    }
    return out;
  }

  ProbeBook book() {
    return book;
  }

  Prober prober(Clock clock, LongSupplier nanoTime) {
    return new Prober(env, parsed.envSources(), parsed.secretNames(), clock, nanoTime, workingDir);
  }
}
