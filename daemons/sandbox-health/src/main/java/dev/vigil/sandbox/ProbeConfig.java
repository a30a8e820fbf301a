package dev.vigil.sandbox;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.vigil.core.HealthStatus;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and checks the probes and symptoms of the {@code SANDBOX_HEALTH} block and its probes file.
 * Every problem is collected and thrown at once as a {@link ConfigException.ValidationFailed}, each
 * naming the probe, the key, the value and why.
 */
final class ProbeConfig {
  static final String BLOCK = "vigil.daemons.SANDBOX_HEALTH";

  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]*");
  private static final Pattern SYMPTOM_ID = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
  private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Set<String> KINDS =
      Set.of("env", "http", "tcp", "port-free", "disk", "command", "websocket");
  private static final Set<String> COMMON =
      Set.of("id", "kind", "interval", "timeout", "jitter", "failure-threshold", "success-threshold",
          "degraded-latency", "cost", "depends-on", "severity", "remediation", "redact", "credentials");
  private static final Map<String, Set<String>> KIND_KEYS =
      Map.of(
          "env", Set.of("required", "optional", "forbidden", "aliases", "secret", "expect", "env-files", "precedence"),
          "http", Set.of("method", "url", "headers", "body", "expect-status", "json"),
          "tcp", Set.of("host", "port"),
          "port-free", Set.of("host", "port", "expect-free", "or-served-at"),
          "disk", Set.of("path", "min-free-bytes", "min-free-percent", "warn-free-bytes", "warn-free-percent"),
          "command", Set.of("argv", "cwd", "env-allowlist", "env", "ok-exit", "json", "max-output", "category-path"),
          "websocket", Set.of("url", "headers"));

  /**
   * Everything the module needs from config.
   *
   * @param probes in dependency order
   * @param envSources where header and command variables come from
   * @param secretNames every variable any probe declares secret, redacted, a credential or a header
   */
  record Parsed(
      List<ProbeSpec> probes,
      List<Symptom> symptoms,
      Check.EnvSources envSources,
      Set<String> secretNames,
      int historySize,
      Duration healthInterval) {}

  private final List<ConfigException.ValidationProblem> problems = new ArrayList<>();
  private final Path workingDir;
  private Duration defaultInterval;
  private Duration defaultTimeout;
  private int defaultFailures;
  private int defaultSuccesses;
  private double jitterFraction;
  private Duration expensiveMin;

  private ProbeConfig(Path workingDir) {
    this.workingDir = workingDir;
  }

  /**
   * Reads the block of {@code config}, and its {@code probes-file} (or {@code probesFile} when
   * given, which replaces it) resolved against {@code workingDir}.
   */
  static Parsed read(Config config, Optional<Path> probesFile, Path workingDir) {
    return new ProbeConfig(workingDir).parse(config, probesFile);
  }

  private Parsed parse(Config root, Optional<Path> probesFileOverride) {
    Config block = root.hasPath(BLOCK) ? root.getConfig(BLOCK) : ConfigFactory.empty();
    Config defaults = block.hasPath("probe-defaults") ? block.getConfig("probe-defaults") : ConfigFactory.empty();
    defaultInterval = duration(defaults, "interval", Duration.ofSeconds(30), "probe-defaults");
    defaultTimeout = duration(defaults, "timeout", Duration.ofSeconds(5), "probe-defaults");
    defaultFailures = integer(defaults, "failure-threshold", 2, 1, 1000, "probe-defaults");
    defaultSuccesses = integer(defaults, "success-threshold", 1, 1, 1000, "probe-defaults");
    jitterFraction = fraction(defaults, "jitter-fraction", 0.1, "probe-defaults");
    expensiveMin = duration(block, "expensive-min-interval", Duration.ofMinutes(5), BLOCK);
    int historySize = integer(block, "history-size", 20, 1, 1000, BLOCK);
    Duration healthInterval = duration(block, "health-interval", Duration.ofSeconds(15), BLOCK);

    List<Config> probeConfigs = new ArrayList<>(objects(block, "probes", BLOCK));
    List<Config> symptomConfigs = new ArrayList<>(objects(block, "symptoms", BLOCK));
    Config envConfig = block;

    Optional<Path> file = probesFileOverride;
    if (file.isEmpty() && block.hasPath("probes-file")) {
      String name = string(block, "probes-file", "", BLOCK);
      if (!name.isBlank()) {
        file = path(name, block.getValue("probes-file").origin(), BLOCK + ".probes-file");
      }
    }
    if (file.isPresent()) {
      Path f = workingDir.resolve(file.get());
      if (!Files.isRegularFile(f)) {
        problem(block.origin(), BLOCK + ".probes-file", "probes file " + f + " does not exist or is not a file");
      } else {
        Config fromFile;
        try {
          // the node's configuration overrides a file's own defaults (vigil.sandbox-runtime.api-url, say)
          fromFile = root.withFallback(
                  ConfigFactory.parseFile(f.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)))
              .resolve();
        } catch (ConfigException e) {
          throw new ConfigException.BadValue(BLOCK + ".probes-file", "probes file " + f + ": " + e.getMessage(), e);
        }
        probeConfigs.addAll(objects(fromFile, "probes", f.toString()));
        symptomConfigs.addAll(objects(fromFile, "symptoms", f.toString()));
        if (fromFile.hasPath("env-files") || fromFile.hasPath("env-precedence")) {
          envConfig = fromFile.withFallback(block);
        }
      }
    }
    Check.EnvSources sources = new Check.EnvSources(
        pathList(envConfig, "env-files", BLOCK),
        precedence(envConfig, "env-precedence", Check.Precedence.PROCESS_FIRST, BLOCK));

    Map<String, ProbeSpec> probes = new LinkedHashMap<>();
    Map<String, ConfigOrigin> origins = new HashMap<>();
    for (int i = 0; i < probeConfigs.size(); i++) {
      Config c = probeConfigs.get(i);
      Optional<ProbeSpec> p = probe(c, i, sources);
      if (p.isPresent()) {
        if (probes.containsKey(p.get().id())) {
          problem(c.origin(), "probes[" + i + "].id", "probe '" + p.get().id() + "' is declared twice");
        } else {
          probes.put(p.get().id(), p.get());
          origins.put(p.get().id(), c.origin());
        }
      }
    }
    List<ProbeSpec> ordered = order(probes, origins);
    List<Symptom> symptoms = new ArrayList<>();
    Set<String> symptomIds = new LinkedHashSet<>();
    for (int i = 0; i < symptomConfigs.size(); i++) {
      symptom(symptomConfigs.get(i), i, probes.keySet()).ifPresent(s -> {
        if (!symptomIds.add(s.id())) {
          problem(symptomConfigs.get(symptoms.size()).origin(), "symptoms", "symptom '" + s.id() + "' is declared twice");
        } else {
          symptoms.add(s);
        }
      });
    }
    if (!problems.isEmpty()) {
      throw new ConfigException.ValidationFailed(problems);
    }
    Set<String> secrets = new LinkedHashSet<>();
    for (ProbeSpec p : ordered) {
      secrets.addAll(p.redact());
      secrets.addAll(p.credentials());
      secrets.addAll(p.check().headerVariables());
      if (p.check() instanceof Check.Env e) {
        secrets.addAll(e.secret());
      }
    }
    return new Parsed(ordered, symptoms, sources, secrets, historySize, healthInterval);
  }

  // ---- one probe

  private Optional<ProbeSpec> probe(Config c, int index, Check.EnvSources sources) {
    String at = "probes[" + index + "]";
    int before = problems.size();
    String id = c.hasPath("id") ? string(c, "id", "", at) : "";
    if (id.isEmpty()) {
      problem(c.origin(), at + ".id", "every probe needs an id");
      return Optional.empty();
    }
    if (!ID.matcher(id).matches()) {
      problem(c.origin(), at + ".id", "probe id '" + id + "' must be lower-case letters, digits, '.', '_' or '-'");
    }
    String where = "probe '" + id + "'";
    String kind = c.hasPath("kind") ? string(c, "kind", "", where) : "";
    if (!KINDS.contains(kind)) {
      problem(c.origin(), where + ".kind",
          "kind = \"" + kind + "\" is not one of " + KINDS.stream().sorted().toList());
      return Optional.empty();
    }
    for (String key : c.root().keySet()) {
      if (!COMMON.contains(key) && !KIND_KEYS.get(kind).contains(key)) {
        problem(c.getValue(key).origin(), where + "." + key,
            "unknown key '" + key + "' for kind " + kind + "; known: "
                + KIND_KEYS.get(kind).stream().sorted().toList() + " and the common keys");
      }
    }
    ProbeSpec.Cost cost = enumValue(c, "cost", ProbeSpec.Cost.class, ProbeSpec.Cost.CHEAP, where);
    Duration fallbackInterval =
        switch (cost) {
          case EXPENSIVE -> Duration.ofHours(1);
          case SIDE_EFFECTING -> Duration.ofHours(6);
          default -> defaultInterval;
        };
    Duration interval = duration(c, "interval", fallbackInterval, where);
    Duration timeout = duration(c, "timeout", defaultTimeout, where);
    if (timeout.compareTo(interval) > 0) {
      problem(c.origin(), where + ".timeout", "timeout " + Durations.text(timeout) + " is longer than interval " + Durations.text(interval));
    }
    if (cost.serial() && interval.compareTo(expensiveMin) < 0) {
      problem(c.hasPath("interval") ? c.getValue("interval").origin() : c.origin(), where + ".interval",
          "interval " + Durations.text(interval) + " is too often for a " + cost.wireName()
              + " probe (at least " + Durations.text(expensiveMin) + ", see expensive-min-interval)");
    }
    Duration jitter = c.hasPath("jitter")
        ? duration(c, "jitter", Duration.ZERO, where)
        : Duration.ofNanos((long) (interval.toNanos() * jitterFraction));
    int failures = integer(c, "failure-threshold", defaultFailures, 1, 1000, where);
    int successes = integer(c, "success-threshold", defaultSuccesses, 1, 1000, where);
    Optional<Duration> degraded = c.hasPath("degraded-latency")
        ? Optional.of(duration(c, "degraded-latency", Duration.ZERO, where))
        : Optional.empty();
    List<String> dependsOn = strings(c, "depends-on", where);
    ProbeSpec.Severity severity = enumValue(c, "severity", ProbeSpec.Severity.class, ProbeSpec.Severity.REQUIRED, where);
    String remediation = c.hasPath("remediation") ? string(c, "remediation", "", where) : "";
    List<String> redact = variables(c, "redact", where);
    List<String> credentials = variables(c, "credentials", where);
    Check check = switch (kind) {
      case "env" -> env(c, where, sources);
      case "http" -> http(c, where);
      case "tcp" -> new Check.Tcp(c.hasPath("host") ? string(c, "host", "", where) : "127.0.0.1", port(c, where));
      case "port-free" -> new Check.PortFree(
          c.hasPath("host") ? Optional.of(string(c, "host", "", where)) : Optional.empty(),
          portOrAny(c, where),
          bool(c, "expect-free", true, where),
          c.hasPath("or-served-at") ? url(c, "or-served-at", where, Set.of("http", "https")) : Optional.empty());
      case "disk" -> disk(c, where);
      case "command" -> command(c, where);
      case "websocket" -> new Check.WebSocket(
          url(c, "url", where, Set.of("ws", "wss")).orElse(URI.create("ws://invalid")), headers(c, where));
      default -> throw new IllegalStateException(kind);
    };
    if (credentials.isEmpty()) {
      credentials = check.headerVariables(); // what an HTTP probe authenticates with, by default
    }
    if (problems.size() > before) {
      return Optional.empty();
    }
    return Optional.of(new ProbeSpec(id, check, interval, timeout, jitter, failures, successes, degraded,
        cost, dependsOn, severity, remediation, Set.copyOf(redact), credentials));
  }

  private Check.Env env(Config c, String where, Check.EnvSources defaults) {
    Map<String, List<String>> aliases = new LinkedHashMap<>();
    if (c.hasPath("aliases")) {
      ConfigObject object = object(c, "aliases", where);
      if (object != null) {
        for (String name : object.keySet()) {
          aliases.put(name, variables(object.toConfig(), "\"" + name + "\"", where + ".aliases"));
        }
      }
    }
    List<Check.EnvVar> required = envVars(c, "required", where, aliases);
    List<Check.EnvVar> optional = envVars(c, "optional", where, aliases);
    List<Check.EnvVar> forbidden = envVars(c, "forbidden", where, aliases);
    if (required.isEmpty() && optional.isEmpty() && forbidden.isEmpty() && !c.hasPath("expect")) {
      problem(c.origin(), where, "an env probe needs at least one of required, optional, forbidden or expect");
    }
    List<Check.EnvExpect> expect = new ArrayList<>();
    int i = 0;
    for (Config e : objects(c, "expect", where)) {
      String at = where + ".expect[" + i++ + "]";
      String name = string(e, "name", "", at);
      JsonAssertion.Op op = op(e, at);
      Object value = e.hasPath("value") ? e.getValue("value").unwrapped() : null;
      if (op == JsonAssertion.Op.MAX_AGE) {
        problem(e.origin(), at + ".op", "max-age applies to JSON fields, not variables");
      }
      expect.add(new Check.EnvExpect(name, op, value));
    }
    List<Path> files = c.hasPath("env-files") ? pathList(c, "env-files", where) : defaults.files();
    Check.Precedence precedence = precedence(c, "precedence", defaults.precedence(), where);
    return new Check.Env(required, optional, forbidden, Set.copyOf(variables(c, "secret", where)), expect,
        new Check.EnvSources(files, precedence));
  }

  private List<Check.EnvVar> envVars(Config c, String key, String where, Map<String, List<String>> aliases) {
    return variables(c, key, where).stream()
        .map(n -> new Check.EnvVar(n, aliases.getOrDefault(n, List.of())))
        .toList();
  }

  private Check http(Config c, String where) {
    String method = c.hasPath("method") ? string(c, "method", "GET", where).toUpperCase(Locale.ROOT) : "GET";
    if (!Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS").contains(method)) {
      problem(c.getValue("method").origin(), where + ".method", "method = \"" + method + "\" is not an HTTP method");
    }
    Optional<URI> url = url(c, "url", where, Set.of("http", "https"));
    Set<Integer> expect = new LinkedHashSet<>();
    if (c.hasPath("expect-status")) {
      try {
        for (Integer code : c.getIntList("expect-status")) {
          if (code < 100 || code > 599) {
            problem(c.getValue("expect-status").origin(), where + ".expect-status", "status " + code + " is not 100..599");
          }
          expect.add(code);
        }
      } catch (ConfigException e) {
        problem(c.getValue("expect-status").origin(), where + ".expect-status", "must be a list of status codes: " + e.getMessage());
      }
    } else {
      expect.add(200);
    }
    return new Check.Http(method, url.orElse(URI.create("http://invalid")), headers(c, where),
        c.hasPath("body") ? Optional.of(string(c, "body", "", where)) : Optional.empty(),
        expect, assertions(c, where));
  }

  private List<Check.Header> headers(Config c, String where) {
    List<Check.Header> out = new ArrayList<>();
    int i = 0;
    for (Config h : objects(c, "headers", where)) {
      String at = where + ".headers[" + i++ + "]";
      String name = string(h, "name", "", at);
      if (name.isBlank()) {
        problem(h.origin(), at + ".name", "a header needs a name");
      }
      boolean literal = h.hasPath("value");
      boolean fromEnv = h.hasPath("env");
      if (literal == fromEnv) {
        problem(h.origin(), at, "header " + name + " needs exactly one of value or env");
        continue;
      }
      if (fromEnv) {
        String variable = string(h, "env", "", at);
        if (!VARIABLE.matcher(variable).matches()) {
          problem(h.getValue("env").origin(), at + ".env", "env = \"" + variable + "\" is not a variable name");
        }
        out.add(new Check.Header(name, Optional.empty(), Optional.of(variable),
            h.hasPath("prefix") ? string(h, "prefix", "", at) : ""));
      } else {
        out.add(new Check.Header(name, Optional.of(string(h, "value", "", at)), Optional.empty(), ""));
      }
    }
    return out;
  }

  private List<JsonAssertion> assertions(Config c, String where) {
    List<JsonAssertion> out = new ArrayList<>();
    int i = 0;
    for (Config a : objects(c, "json", where)) {
      String at = where + ".json[" + i++ + "]";
      String path = a.hasPath("path") ? string(a, "path", "", at) : "";
      JsonAssertion.Op op = op(a, at);
      Object value = null;
      HealthStatus fallback = op == JsonAssertion.Op.MAX_AGE ? HealthStatus.DEGRADED : HealthStatus.UNHEALTHY;
      if (op == JsonAssertion.Op.MAX_AGE) {
        value = duration(a, "value", Duration.ofMinutes(15), at);
      } else if (op != JsonAssertion.Op.EXISTS && op != JsonAssertion.Op.ABSENT) {
        if (!a.hasPathOrNull("value")) {
          problem(a.origin(), at + ".value", "op " + op.wireName() + " needs a value");
        } else {
          value = a.getIsNull("value") ? null : a.getValue("value").unwrapped();
          if (Set.of(JsonAssertion.Op.GT, JsonAssertion.Op.GE, JsonAssertion.Op.LT, JsonAssertion.Op.LE).contains(op)
              && !(value instanceof Number)) {
            problem(a.getValue("value").origin(), at + ".value", "op " + op.wireName() + " needs a number, not " + value);
          }
          if (op == JsonAssertion.Op.MATCHES) {
            try {
              Pattern.compile(String.valueOf(value));
            } catch (java.util.regex.PatternSyntaxException e) {
              problem(a.getValue("value").origin(), at + ".value", "not a regular expression: " + e.getDescription());
            }
          }
        }
      }
      HealthStatus onFail = fallback;
      if (a.hasPath("on-fail")) {
        String text = string(a, "on-fail", "", at);
        if (text.equals("degraded") || text.equals("unhealthy")) {
          onFail = HealthStatus.fromWire(text);
        } else {
          problem(a.getValue("on-fail").origin(), at + ".on-fail", "on-fail = \"" + text + "\" must be degraded or unhealthy");
        }
      }
      out.add(new JsonAssertion(path, op, value, onFail));
    }
    return out;
  }

  private JsonAssertion.Op op(Config a, String at) {
    String text = a.hasPath("op") ? string(a, "op", "", at) : "";
    Optional<JsonAssertion.Op> op = JsonAssertion.Op.fromWire(text);
    if (op.isEmpty()) {
      problem(a.origin(), at + ".op", "op = \"" + text + "\" is not one of "
          + java.util.Arrays.stream(JsonAssertion.Op.values()).map(JsonAssertion.Op::wireName).toList());
      return JsonAssertion.Op.EXISTS;
    }
    return op.get();
  }

  private Check disk(Config c, String where) {
    String path = string(c, "path", "", where);
    if (path.isBlank()) {
      problem(c.origin(), where + ".path", "a disk probe needs a path");
    }
    long minBytes = bytes(c, "min-free-bytes", 0, where);
    double minPct = percent(c, "min-free-percent", 0, where);
    long warnBytes = c.hasPath("warn-free-bytes") ? bytes(c, "warn-free-bytes", 0, where) : minBytes;
    double warnPct = c.hasPath("warn-free-percent") ? percent(c, "warn-free-percent", 0, where) : minPct;
    if (warnBytes < minBytes || warnPct < minPct) {
      problem(c.origin(), where, "the warning levels must not be below the minimums");
    }
    if (minBytes == 0 && minPct == 0 && warnBytes == 0 && warnPct == 0) {
      problem(c.origin(), where, "a disk probe needs min-free-bytes, min-free-percent or a warning level");
    }
    return new Check.Disk(path(path, c.origin(), where + ".path").orElse(Path.of(".")), minBytes, minPct, warnBytes, warnPct);
  }

  private Check command(Config c, String where) {
    List<String> argv = strings(c, "argv", where);
    if (argv.isEmpty() || argv.getFirst().isBlank()) {
      problem(c.origin(), where + ".argv", "a command probe needs argv, the program and its arguments");
    }
    Optional<Path> cwd = c.hasPath("cwd") ? path(string(c, "cwd", "", where), c.getValue("cwd").origin(), where + ".cwd") : Optional.empty();
    List<String> allow = c.hasPath("env-allowlist") ? variables(c, "env-allowlist", where) : List.of("PATH", "HOME", "LANG");
    Map<String, String> env = new LinkedHashMap<>();
    if (c.hasPath("env")) {
      ConfigObject object = object(c, "env", where);
      if (object != null) {
        object.forEach((k, v) -> env.put(k, String.valueOf(v.unwrapped())));
      }
    }
    Set<Integer> ok = new LinkedHashSet<>();
    if (c.hasPath("ok-exit")) {
      try {
        ok.addAll(c.getIntList("ok-exit"));
      } catch (ConfigException e) {
        problem(c.getValue("ok-exit").origin(), where + ".ok-exit", "must be a list of exit codes: " + e.getMessage());
      }
    } else {
      ok.add(0);
    }
    long max = bytes(c, "max-output", 64 * 1024, where);
    if (max < 1 || max > 16 * 1024 * 1024) {
      problem(c.origin(), where + ".max-output", "max-output = " + max + " must be 1 byte to 16 MiB");
    }
    return new Check.Command(argv.isEmpty() ? List.of("?") : argv, cwd, allow, env, ok, assertions(c, where),
        (int) Math.max(1, Math.min(max, 16 * 1024 * 1024)),
        c.hasPath("category-path") ? Optional.of(string(c, "category-path", "", where)) : Optional.empty());
  }

  // ---- symptoms

  private Optional<Symptom> symptom(Config c, int index, Set<String> probeIds) {
    String at = "symptoms[" + index + "]";
    String id = c.hasPath("id") ? string(c, "id", "", at) : "";
    if (!SYMPTOM_ID.matcher(id).matches()) {
      problem(c.origin(), at + ".id", "symptom id '" + id + "' must be kebab-case (sandbox-wont-start)");
      return Optional.empty();
    }
    String where = "symptom '" + id + "'";
    for (String key : c.root().keySet()) {
      if (!Set.of("id", "title", "checks", "manual").contains(key)) {
        problem(c.getValue(key).origin(), where + "." + key, "unknown key '" + key + "'; known: id, title, checks, manual");
      }
    }
    List<Symptom.Pointer> pointers = new ArrayList<>();
    int i = 0;
    for (Config p : objects(c, "checks", where)) {
      String pat = where + ".checks[" + i++ + "]";
      String probe = string(p, "probe", "", pat);
      if (!probeIds.contains(probe)) {
        problem(p.origin(), pat + ".probe", "probe = \"" + probe + "\" is not a declared probe");
      }
      String cause = string(p, "cause", "", pat);
      if (cause.isBlank()) {
        problem(p.origin(), pat + ".cause", "each check of a symptom needs the cause it points to");
      }
      pointers.add(new Symptom.Pointer(probe,
          p.hasPath("category") ? Optional.of(string(p, "category", "", pat)) : Optional.empty(),
          cause, p.hasPath("fix") ? string(p, "fix", "", pat) : ""));
    }
    String manual = c.hasPath("manual") ? string(c, "manual", "", where) : "";
    if (pointers.isEmpty() && manual.isBlank()) {
      problem(c.origin(), where, "a symptom needs checks, or a manual note saying what to look at");
    }
    return Optional.of(new Symptom(id, c.hasPath("title") ? string(c, "title", id, where) : id, pointers, manual));
  }

  // ---- dependency order

  private List<ProbeSpec> order(Map<String, ProbeSpec> probes, Map<String, ConfigOrigin> origins) {
    for (ProbeSpec p : probes.values()) {
      for (String d : p.dependsOn()) {
        if (!probes.containsKey(d)) {
          problem(origins.get(p.id()), "probe '" + p.id() + "'.depends-on",
              "depends-on \"" + d + "\", which is not a declared probe");
        } else if (d.equals(p.id())) {
          problem(origins.get(p.id()), "probe '" + p.id() + "'.depends-on", "a probe cannot depend on itself");
        }
      }
    }
    List<ProbeSpec> out = new ArrayList<>();
    Map<String, Integer> mark = new HashMap<>(); // 1 visiting, 2 done
    for (ProbeSpec p : probes.values()) {
      visit(p, probes, origins, mark, new ArrayList<>(), out);
    }
    return out;
  }

  private void visit(ProbeSpec p, Map<String, ProbeSpec> probes, Map<String, ConfigOrigin> origins,
      Map<String, Integer> mark, List<String> path, List<ProbeSpec> out) {
    Integer m = mark.get(p.id());
    if (m != null && m == 2) {
      return;
    }
    if (m != null) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(p.id()), path.size()));
      cycle.add(p.id());
      problem(origins.get(p.id()), "probe '" + p.id() + "'.depends-on", "dependency cycle: " + String.join(" -> ", cycle));
      return;
    }
    mark.put(p.id(), 1);
    path.add(p.id());
    for (String d : p.dependsOn()) {
      ProbeSpec dep = probes.get(d);
      if (dep != null && !d.equals(p.id())) {
        visit(dep, probes, origins, mark, path, out);
      }
    }
    path.removeLast();
    mark.put(p.id(), 2);
    out.add(p);
  }

  // ---- typed reads that record problems instead of throwing

  private void problem(ConfigOrigin origin, String path, String why) {
    problems.add(new ConfigException.ValidationProblem(path, origin, why));
  }

  private String string(Config c, String key, String fallback, String where) {
    try {
      return c.hasPath(key) ? c.getString(key) : fallback;
    } catch (ConfigException e) {
      problem(c.getValue(key).origin(), where + "." + key, "must be a string: " + e.getMessage());
      return fallback;
    }
  }

  private boolean bool(Config c, String key, boolean fallback, String where) {
    try {
      return c.hasPath(key) ? c.getBoolean(key) : fallback;
    } catch (ConfigException e) {
      problem(c.getValue(key).origin(), where + "." + key, key + " = " + render(c, key) + " must be true or false");
      return fallback;
    }
  }

  private int integer(Config c, String key, int fallback, int min, int max, String where) {
    if (!c.hasPath(key)) {
      return fallback;
    }
    try {
      int v = c.getInt(key);
      if (v < min || v > max) {
        problem(c.getValue(key).origin(), where + "." + key, key + " = " + v + " must be " + min + ".." + max);
      }
      return v;
    } catch (ConfigException e) {
      problem(c.getValue(key).origin(), where + "." + key, key + " = " + render(c, key) + " must be a whole number");
      return fallback;
    }
  }

  private int port(Config c, String where) {
    if (!c.hasPath("port")) {
      problem(c.origin(), where + ".port", "a port is required");
      return 1;
    }
    return integer(c, "port", 1, 1, 65_535, where);
  }

  /** A port, or 0 for a port the service lets the system pick (a setting copied from it). */
  private int portOrAny(Config c, String where) {
    try {
      if (c.hasPath("port") && c.getInt("port") == 0) {
        return 0;
      }
    } catch (com.typesafe.config.ConfigException e) {
      // not a number: port() reports it
    }
    return port(c, where);
  }

  private double fraction(Config c, String key, double fallback, String where) {
    if (!c.hasPath(key)) {
      return fallback;
    }
    try {
      double v = c.getDouble(key);
      if (!(v >= 0 && v <= 1)) {
        problem(c.getValue(key).origin(), where + "." + key, key + " = " + v + " must be 0..1");
      }
      return v;
    } catch (ConfigException e) {
      problem(c.getValue(key).origin(), where + "." + key, key + " = " + render(c, key) + " must be a number 0..1");
      return fallback;
    }
  }

  private double percent(Config c, String key, double fallback, String where) {
    if (!c.hasPath(key)) {
      return fallback;
    }
    try {
      double v = c.getDouble(key);
      if (!(v >= 0 && v <= 100)) {
        problem(c.getValue(key).origin(), where + "." + key, key + " = " + v + " must be 0..100");
      }
      return v;
    } catch (ConfigException e) {
      problem(c.getValue(key).origin(), where + "." + key, key + " = " + render(c, key) + " must be a number 0..100");
      return fallback;
    }
  }

  private long bytes(Config c, String key, long fallback, String where) {
    if (!c.hasPath(key)) {
      return fallback;
    }
    try {
      long v = c.getBytes(key);
      if (v < 0) {
        problem(c.getValue(key).origin(), where + "." + key, key + " = " + v + " must not be negative");
      }
      return v;
    } catch (ConfigException e) {
      problem(c.getValue(key).origin(), where + "." + key,
          key + " = " + render(c, key) + " must be a size in bytes (1048576, 512M, 2G)");
      return fallback;
    }
  }

  private Duration duration(Config c, String key, Duration fallback, String where) {
    if (!c.hasPath(key)) {
      return fallback;
    }
    try {
      Duration d = c.getDuration(key);
      if (d.isNegative() || d.isZero() && !key.equals("jitter")) {
        problem(c.getValue(key).origin(), where + "." + key, key + " = " + render(c, key) + " must be positive");
        return fallback;
      }
      return d;
    } catch (ConfigException e) {
      problem(c.getValue(key).origin(), where + "." + key,
          key + " = " + render(c, key) + " must be a duration with a unit (500ms, 10s, 5m)");
      return fallback;
    }
  }

  private <E extends Enum<E>> E enumValue(Config c, String key, Class<E> type, E fallback, String where) {
    if (!c.hasPath(key)) {
      return fallback;
    }
    String text = string(c, key, "", where);
    for (E e : type.getEnumConstants()) {
      if (e.name().toLowerCase(Locale.ROOT).replace('_', '-').equals(text)) {
        return e;
      }
    }
    problem(c.getValue(key).origin(), where + "." + key, key + " = \"" + text + "\" is not one of "
        + java.util.Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList());
    return fallback;
  }

  private Check.Precedence precedence(Config c, String key, Check.Precedence fallback, String where) {
    return enumValue(c, key, Check.Precedence.class, fallback, where);
  }

  private List<String> strings(Config c, String key, String where) {
    if (!c.hasPath(key)) {
      return List.of();
    }
    try {
      return c.getStringList(key);
    } catch (ConfigException e) {
      problem(c.getValue(key).origin(), where + "." + key, key + " must be a list of strings: " + e.getMessage());
      return List.of();
    }
  }

  private List<String> variables(Config c, String key, String where) {
    List<String> names = strings(c, key, where);
    for (String n : names) {
      if (!VARIABLE.matcher(n).matches()) {
        problem(c.getValue(key).origin(), where + "." + key, "\"" + n + "\" is not an environment variable name");
      }
    }
    return names;
  }

  private List<Path> pathList(Config c, String key, String where) {
    List<Path> out = new ArrayList<>();
    for (String s : strings(c, key, where)) {
      path(s, c.getValue(key).origin(), where + "." + key).ifPresent(out::add);
    }
    return out;
  }

  private Optional<Path> path(String text, ConfigOrigin origin, String where) {
    try {
      return Optional.of(Path.of(text));
    } catch (InvalidPathException e) {
      problem(origin, where, "\"" + text + "\" is not a path: " + e.getReason());
      return Optional.empty();
    }
  }

  private Optional<URI> url(Config c, String key, String where, Set<String> schemes) {
    if (!c.hasPath(key)) {
      problem(c.origin(), where + "." + key, key + " is required");
      return Optional.empty();
    }
    String text = string(c, key, "", where);
    try {
      URI uri = new URI(text);
      if (uri.getScheme() == null || !schemes.contains(uri.getScheme().toLowerCase(Locale.ROOT)) || uri.getHost() == null) {
        problem(c.getValue(key).origin(), where + "." + key,
            key + " = \"" + text + "\" must be an absolute " + String.join(" or ", schemes.stream().sorted().toList()) + " URL");
        return Optional.empty();
      }
      return Optional.of(uri);
    } catch (URISyntaxException e) {
      problem(c.getValue(key).origin(), where + "." + key, key + " = \"" + text + "\" is not a URL: " + e.getReason());
      return Optional.empty();
    }
  }

  private ConfigObject object(Config c, String key, String where) {
    ConfigValue v = c.getValue(key);
    if (v.valueType() != ConfigValueType.OBJECT) {
      problem(v.origin(), where + "." + key, key + " must be an object");
      return null;
    }
    return (ConfigObject) v;
  }

  private List<Config> objects(Config c, String key, String where) {
    if (!c.hasPath(key)) {
      return List.of();
    }
    ConfigValue v = c.getValue(key);
    if (v.valueType() != ConfigValueType.LIST) {
      problem(v.origin(), where + "." + key, key + " must be a list of objects");
      return List.of();
    }
    List<Config> out = new ArrayList<>();
    for (ConfigValue item : (ConfigList) v) {
      if (item.valueType() != ConfigValueType.OBJECT) {
        problem(item.origin(), where + "." + key, "each entry of " + key + " must be an object, not " + item.render());
      } else {
        out.add(((ConfigObject) item).toConfig());
      }
    }
    return out;
  }

  private static String render(Config c, String key) {
    return c.getValue(key).render();
  }
}
