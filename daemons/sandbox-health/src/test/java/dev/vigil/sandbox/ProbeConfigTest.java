package dev.vigil.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.vigil.core.HealthStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading and checking probe configuration, and the shipped local.conf. */
class ProbeConfigTest {
  @TempDir Path dir;

  private ProbeConfig.Parsed parse(String block) {
    return ProbeConfig.read(Fixtures.config(block), Optional.empty(), dir);
  }

  private String problems(String block) {
    try {
      parse(block);
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("no ConfigException for " + block);
  }

  @Test
  void theIssuesExampleParsesWithItsDefaults() {
    var parsed = parse("""
        probes = [
          { id = "env.daytona", kind = env, required = ["DAYTONA_API_KEY", "DAYTONA_API_URL"], optional = ["DAYTONA_TARGET"],
            forbidden = ["DAYTONA_API_BASE_URL"], secret = ["DAYTONA_API_KEY"], severity = required, interval = 60s,
            remediation = "Set DAYTONA_API_URL; rename DAYTONA_API_BASE_URL" }
          { id = "api.health", kind = http, url = "http://127.0.0.1:8000/health", expect-status = [200],
            json = [{ path = "ok", op = eq, value = true }], timeout = 2s, interval = 10s, severity = required }
          { id = "env.mlflow", kind = env, optional = ["MLFLOW_ENABLED", "MLFLOW_TRACKING_URI"], severity = optional }
          { id = "mlflow.tcp", kind = tcp, host = "127.0.0.1", port = 5001, depends-on = ["env.mlflow"], severity = optional }
          { id = "ports.broker", kind = port-free, port = 3000, expect-free = true, cost = free, severity = required }
        ]
        """);
    assertThat(parsed.probes()).extracting(ProbeSpec::id)
        .containsExactly("env.daytona", "api.health", "env.mlflow", "mlflow.tcp", "ports.broker");
    ProbeSpec tcp = parsed.probes().get(3);
    assertThat(tcp.interval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(tcp.timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(tcp.jitter()).isEqualTo(Duration.ofSeconds(3));
    assertThat(tcp.failureThreshold()).isEqualTo(2);
    assertThat(tcp.severity()).isEqualTo(ProbeSpec.Severity.OPTIONAL);
    assertThat(parsed.secretNames()).contains("DAYTONA_API_KEY");
  }

  @Test
  void dependencyOrderPutsEveryProbeAfterWhatItNeeds() {
    var parsed = parse("probes = [ { id = c, kind = tcp, port = 1, depends-on = [b] },"
        + " { id = b, kind = tcp, port = 1, depends-on = [a] }, { id = a, kind = tcp, port = 1 } ]");
    assertThat(parsed.probes()).extracting(ProbeSpec::id).containsExactly("a", "b", "c");
  }

  @Test
  void badValuesAreAllReportedWithProbeKeyValueAndWhy() {
    String message = problems("""
        probes = [
          { id = "api.health", kind = http, url = "ftp://x", timeout = 10s, interval = 5s, severity = sometimes }
          { id = "mlflow.tcp", kind = tcp, port = 70000, prot = 1 }
          { id = "smoke", kind = command, argv = ["x"], cost = expensive, interval = 1m }
          { id = "bad", kind = telnet }
        ]
        """);
    assertThat(message)
        .contains("probe 'api.health'.url: url = \"ftp://x\" must be an absolute http or https URL")
        .contains("probe 'api.health'.timeout: timeout 10s is longer than interval 5s")
        .contains("probe 'api.health'.severity: severity = \"sometimes\" is not one of [required, optional]")
        .contains("probe 'mlflow.tcp'.port: port = 70000 must be 1..65535")
        .contains("probe 'mlflow.tcp'.prot: unknown key 'prot' for kind tcp")
        .contains("probe 'smoke'.interval: interval 1m is too often for a expensive probe (at least 5m")
        .contains("probe 'bad'.kind: kind = \"telnet\" is not one of");
  }

  @Test
  void unknownDependenciesCyclesAndDuplicatesAreReported() {
    assertThat(problems("probes = [ { id = a, kind = tcp, port = 1, depends-on = [nope] } ]"))
        .contains("depends-on \"nope\", which is not a declared probe");
    assertThat(problems("probes = [ { id = a, kind = tcp, port = 1, depends-on = [b] },"
        + " { id = b, kind = tcp, port = 1, depends-on = [a] } ]"))
        .contains("dependency cycle: a -> b -> a");
    assertThat(problems("probes = [ { id = a, kind = tcp, port = 1 }, { id = a, kind = tcp, port = 2 } ]"))
        .contains("probe 'a' is declared twice");
  }

  @Test
  void symptomsMustNameDeclaredProbesAndBeKebabCase() {
    assertThat(problems("probes = [ { id = a, kind = tcp, port = 1 } ], symptoms = ["
        + " { id = Bad_Name, checks = [] }, { id = no-such, checks = [{ probe = zz, cause = x }] } ]"))
        .contains("symptom id 'Bad_Name' must be kebab-case")
        .contains("probe = \"zz\" is not a declared probe");
  }

  @Test
  void aMissingProbesFileIsAProblemNamingThePath() {
    assertThat(problems("probes-file = \"nowhere/probes.conf\""))
        .contains("probes file " + dir.resolve("nowhere/probes.conf") + " does not exist");
  }

  @Test
  void theProbesFileResolvesAgainstTheWorkingDirectory() throws Exception {
    Files.writeString(dir.resolve("mine.conf"), "probes = [{ id = here, kind = tcp, port = 9 }]");
    assertThat(parse("probes-file = \"mine.conf\"").probes()).extracting(ProbeSpec::id).containsExactly("here");
  }

  @Test
  void thePortProbeOfAReceiverThatPicksAFreePortIsHealthyWithNothingToCheck() throws Exception {
    Path profiles = Files.createDirectories(dir.resolve("profiles/probes"));
    Files.copy(Path.of("../../profiles/probes/local.conf"), profiles.resolve("local.conf"));
    Files.writeString(dir.resolve("profiles/standalone.conf"),
        "vigil.daemons.SANDBOX_HEALTH { include \"probes/local.conf\" }\n");
    Config config = ConfigFactory.parseMap(Map.of("vigil.state-dir", ".vigil",
            "vigil.daemons.OTLP_RECEIVER.http-port", "0")) // OTLP_HTTP_PORT=0: a string, as variables are
        .withFallback(ConfigFactory.parseFile(dir.resolve("profiles/standalone.conf").toFile()))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
    Diagnosis d = SandboxHealthModule.create(config, Map.of(), dir).diagnose(Optional.empty());
    assertThat(d.probes()).filteredOn(p -> p.id().equals("ports.otlp")).singleElement().satisfies(p -> {
      assertThat(p.status()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(p.detail()).startsWith("port 0: the system picks a free port");
    });
  }

  @Test
  void theShippedLocalProbesAreIncludedByAProfileAndComeUpHealthyHere() throws Exception {
    // as the standalone profile includes them: relative to the profile file
    Path profiles = Files.createDirectories(dir.resolve("profiles/probes"));
    Files.copy(Path.of("../../profiles/probes/local.conf"), profiles.resolve("local.conf"));
    Files.writeString(dir.resolve("profiles/standalone.conf"), """
        vigil.profile { daemons = [SANDBOX_HEALTH] }
        vigil.daemons.SANDBOX_HEALTH { include "probes/local.conf" }
        """);
    int httpPort = Fixtures.freePort();
    int otlpPort = Fixtures.freePort(); // as OTLP_HTTP_PORT sets it: the probe follows the receiver
    Config config = ConfigFactory.parseMap(Map.of("vigil.http.port", httpPort, "vigil.state-dir", ".vigil",
            "vigil.daemons.OTLP_RECEIVER.http-port", otlpPort))
        .withFallback(ConfigFactory.parseFile(dir.resolve("profiles/standalone.conf").toFile()))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
    SandboxHealthModule module = SandboxHealthModule.create(config, Map.of(), dir);
    assertThat(module.probeIds()).containsExactly("disk.state-dir", "disk.working-dir", "ports.otlp");
    Diagnosis d = module.diagnose(Optional.empty());
    assertThat(d.requiredUnhealthy()).isFalse();
    for (String id : new String[] {"disk.state-dir", "disk.working-dir"}) {
      assertThat(d.probes()).filteredOn(p -> p.id().equals(id)).singleElement()
          .satisfies(p -> assertThat(p.status()).as(p.id() + ": " + p.detail()).isEqualTo(HealthStatus.HEALTHY));
    }
    assertThat(d.probes().getLast().status()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(d.probes().getLast().detail()).isEqualTo("port " + otlpPort + " is free");
  }
}
