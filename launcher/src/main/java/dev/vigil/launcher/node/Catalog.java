package dev.vigil.launcher.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.vigil.core.DaemonRegistry;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonType;
import dev.vigil.core.EventBus;
import dev.vigil.core.IdleDaemon;
import dev.vigil.launcher.http.ApiRoute;
import dev.vigil.launcher.http.HealthServerDaemon;
import io.prometheus.metrics.model.registry.MultiCollector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Every daemon a node can run, as specs ready for the manager: the daemon modules' (each built
 * from the configuration by its {@link DaemonModule}), plug-ins named by class in a daemon block,
 * and the built-ins of {@link DaemonNames#ALWAYS}. Loading it checks the whole {@code vigil} tree
 * an operator wrote: unknown keys, bad values, plug-in classes; every problem is reported at once.
 *
 * <p>A daemon block {@code vigil.daemons.NAME { ... }} may set, for any daemon, the keys of
 * {@link #COMMON_KEYS}; a module daemon also the keys its module's {@code reference.conf} gives
 * it; a plug-in block also {@code class}, {@code category}, {@code critical} and anything under
 * {@code settings}.
 */
public final class Catalog {
  /** Where daemon blocks live. */
  static final String DAEMONS_PATH = "vigil.daemons";

  /** Keys every daemon block may set: overrides of the daemon's spec. */
  static final Set<String> COMMON_KEYS =
      Set.of(
          "restart-max",
          "restart-delay",
          "restart-delay-max",
          "health-interval",
          "health-timeout",
          "start-timeout",
          "stop-timeout",
          "depends-on");

  /** The spec values a module daemon gets when it does not choose its own. */
  private static final DaemonSpec DEFAULTS =
      DaemonSpec.builder(DaemonType.of("DEFAULTS"), () -> new IdleDaemon() {}).build();

  private final Map<DaemonType, DaemonSpec> specs;
  private final List<MultiCollector> metrics;
  private final List<Consumer<EventBus>> busUsers;
  private final List<ApiRoute> routes;
  private final Settings settings;

  private Catalog(
      Map<DaemonType, DaemonSpec> specs,
      List<MultiCollector> metrics,
      List<Consumer<EventBus>> busUsers,
      List<ApiRoute> routes,
      Settings settings) {
    this.specs = specs;
    this.metrics = metrics;
    this.busUsers = busUsers;
    this.routes = routes;
    this.settings = settings;
  }

  /**
   * Builds the catalog of a node with these settings.
   *
   * @param modules the daemon modules compiled in
   * @param plugins loads plug-in classes
   * @throws BadConfigException naming every problem at once
   */
  public static Catalog load(
      Settings settings, List<DaemonModule> modules, Plugins plugins, DaemonModule.Context context) {
    List<String> problems = new ArrayList<>();
    Config config = settings.config();
    Map<DaemonType, DaemonSpec> specs = new LinkedHashMap<>();
    List<MultiCollector> metrics = new ArrayList<>();
    List<Consumer<EventBus>> busUsers = new ArrayList<>();
    List<ApiRoute> routes = new ArrayList<>();
    for (DaemonModule module : modules) {
      try {
        DaemonModule.Built built = module.build(config, context);
        built.specs().forEach(s -> specs.put(s.type(), s));
        metrics.addAll(built.metrics());
        busUsers.add(built.onEventBus());
        routes.addAll(built.routes());
      } catch (ConfigException e) {
        problems.addAll(describe(e));
      }
    }
    Config given = settings.sources().given();
    Config reference = settings.sources().reference();
    // a module's daemons are known by their blocks in its reference.conf too, so a module that
    // failed to build (reported above) does not make its blocks look like typos
    Set<String> moduleNames = new TreeSet<>(blockNames(reference));
    specs.keySet().forEach(t -> moduleNames.add(t.name()));
    DaemonNames.ALWAYS.forEach(t -> moduleNames.add(t.name()));
    problems.addAll(unknownTopLevelKeys(given, reference));
    for (String name : blockNames(config)) {
      if (!name.matches("[A-Z][A-Z0-9_]*")) {
        problems.add(
            DAEMONS_PATH
                + "."
                + name
                + ": a daemon block is named after its daemon in UPPER_SNAKE case (e.g. "
                + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_")
                + ")");
        continue;
      }
      if (!given.hasPath(DAEMONS_PATH + "." + quoted(name))) {
        continue; // a module's own defaults: nothing an operator wrote to check
      }
      Config block = config.getConfig(DAEMONS_PATH + "." + quoted(name));
      Config givenBlock = blockOf(given, name);
      if (block.hasPath("class")) {
        if (moduleNames.contains(name)) {
          problems.add(
              at(config, name, "class")
                  + " names a plug-in, but "
                  + name
                  + " is a built-in daemon; give the plug-in another name");
          continue;
        }
        plugins.spec(name, block, at(config, name, "class"), problems).ifPresent(s -> specs.put(s.type(), s));
        problems.addAll(unknownKeys(name, givenBlock, blockOf(reference, name), true, config));
      } else if (moduleNames.contains(name)) {
        problems.addAll(unknownKeys(name, givenBlock, blockOf(reference, name), false, config));
      } else {
        problems.add(
            DAEMONS_PATH
                + "."
                + name
                + " (from "
                + config.getValue(DAEMONS_PATH + "." + quoted(name)).origin().description()
                + ") is no daemon this node knows (known: "
                + String.join(", ", moduleNames)
                + "); a plug-in block needs class = \"com.example.MyDaemon\"");
      }
    }

    Map<DaemonType, DaemonSpec> overridden = new LinkedHashMap<>();
    for (DaemonSpec spec : specs.values()) {
      overridden.put(spec.type(), withOverrides(spec, config, settings, problems));
    }
    // the node makes the HTTP server's spec when it runs; a stand-in checks its block now
    DaemonSpec http =
        withOverrides(
            DaemonSpec.builder(HealthServerDaemon.HEALTH_SERVER, () -> new IdleDaemon() {}).build(),
            config,
            settings,
            problems);
    if (problems.isEmpty()) {
      // dependencies named in blocks must exist
      List<DaemonSpec> all = new ArrayList<>(overridden.values());
      all.add(http);
      problems.addAll(DaemonRegistry.of(all).validate());
    }
    if (!problems.isEmpty()) {
      throw new BadConfigException(problems);
    }
    return new Catalog(
        Map.copyOf(overridden), List.copyOf(metrics), List.copyOf(busUsers), List.copyOf(routes), settings);
  }

  /** The specs of the modules' daemons and the plug-ins, overrides applied. */
  public Map<DaemonType, DaemonSpec> specs() {
    return specs;
  }

  /** The daemons' own metrics collectors, for {@code /metrics}. */
  public List<MultiCollector> metrics() {
    return metrics;
  }

  /** The modules' endpoints, for the node's HTTP server. */
  public List<ApiRoute> routes() {
    return routes;
  }

  /** Hands the node's event bus to the modules that asked for it; before anything starts. */
  public void attach(EventBus bus) {
    busUsers.forEach(user -> user.accept(bus));
  }

  /** Every name a profile may list: the specs' and the built-ins'. */
  public Set<DaemonType> types() {
    Set<DaemonType> types = new LinkedHashSet<>(DaemonNames.ALWAYS);
    types.addAll(specs.keySet());
    return types;
  }

  /**
   * The profile's names, case-insensitively, as types.
   *
   * @throws BadConfigException naming every unknown one with the known ones
   */
  public Set<DaemonType> resolve(List<String> names) {
    return DaemonNames.resolve(names, types());
  }

  /**
   * {@code spec} with the operator's settings applied: {@code vigil.shutdown-timeout},
   * {@code restart-max} and {@code health-interval} where the spec keeps the core's defaults, and
   * its daemon block's keys over everything. The HTTP server's spec, made by the node, goes
   * through here too.
   *
   * @throws BadConfigException if a block's value is bad
   */
  public DaemonSpec withOverrides(DaemonSpec spec) {
    List<String> problems = new ArrayList<>();
    DaemonSpec result = withOverrides(spec, settings.config(), settings, problems);
    if (!problems.isEmpty()) {
      throw new BadConfigException(problems);
    }
    return result;
  }

  private static DaemonSpec withOverrides(
      DaemonSpec spec, Config config, Settings settings, List<String> problems) {
    String name = spec.type().name();
    Config block = blockOf(config, name);
    Values v = new Values(config, DAEMONS_PATH + "." + name + ".", problems);
    DaemonSpec.Builder b = spec.toBuilder();

    Duration stop = v.duration(block, "stop-timeout");
    if (stop != null) {
      b.stopTimeout(stop);
    } else if (spec.stopTimeout().equals(DEFAULTS.stopTimeout())) {
      b.stopTimeout(settings.shutdownTimeout());
    }
    Duration start = v.duration(block, "start-timeout");
    if (start != null) {
      b.startTimeout(start);
    }
    Integer restarts = v.wholeNumber(block, "restart-max", 0, 1_000);
    if (restarts != null) {
      b.restartPolicy(spec.restartPolicy().withMaxAttempts(restarts));
    } else if (spec.restartPolicy().maxAttempts().equals(DEFAULTS.restartPolicy().maxAttempts())) {
      b.restartPolicy(spec.restartPolicy().withMaxAttempts(settings.restartMax()));
    }
    Duration delay = v.duration(block, "restart-delay");
    Duration maxDelay = v.duration(block, "restart-delay-max");
    if (delay != null || maxDelay != null) {
      DaemonSpec current = b.build();
      var policy = current.restartPolicy();
      Duration initial = delay != null ? delay : policy.initialDelay();
      Duration max = maxDelay != null ? maxDelay : policy.maxDelay();
      // a first delay above the old ceiling raises the ceiling with it
      b.restartPolicy(
          policy.withBackoff(initial, max.compareTo(initial) < 0 ? initial : max, policy.multiplier()));
    }
    Duration interval = v.duration(block, "health-interval");
    if (interval == null && spec.healthInterval().equals(DEFAULTS.healthInterval())) {
      interval = settings.healthInterval();
    }
    Duration timeout = v.duration(block, "health-timeout");
    if (interval != null || timeout != null) {
      Duration i = interval != null ? interval : spec.healthInterval();
      Duration t = timeout != null ? timeout : spec.healthTimeout();
      // a shorter interval than the spec's timeout shortens the timeout with it
      b.health(i, timeout == null && t.compareTo(i) > 0 ? i : t);
    }
    for (String dependency : v.names(block, "depends-on")) {
      b.dependsOn(DaemonType.of(dependency.strip().toUpperCase(Locale.ROOT)));
    }
    DaemonSpec result = b.build();
    result.problems().forEach(p -> problems.add("vigil.daemons." + p));
    return result;
  }

  /** The names of the daemon blocks in {@code config}. */
  private static Set<String> blockNames(Config config) {
    if (!config.hasPath(DAEMONS_PATH)) {
      return Set.of();
    }
    return new TreeSet<>(config.getObject(DAEMONS_PATH).keySet());
  }

  private static Config blockOf(Config config, String name) {
    String path = DAEMONS_PATH + "." + quoted(name);
    try {
      return config.hasPath(path) ? config.getConfig(path) : ConfigFactory.empty();
    } catch (ConfigException.WrongType e) {
      return ConfigFactory.empty(); // reported as an unknown or wrong key elsewhere
    }
  }

  /** Keys an operator set under {@code vigil} outside the daemon blocks that no module knows. */
  private static List<String> unknownTopLevelKeys(Config given, Config reference) {
    List<String> problems = new ArrayList<>();
    if (!given.hasPath("vigil")) {
      return problems;
    }
    for (Map.Entry<String, ConfigValue> e : given.getConfig("vigil").entrySet()) {
      String key = "vigil." + e.getKey();
      if (key.startsWith(DAEMONS_PATH + ".")
          || key.equals("vigil.profile.daemons")
          || known(reference, key)) {
        continue;
      }
      problems.add(unknown(key, e.getValue(), "is not a key vigil knows", reference, key));
    }
    return problems;
  }

  /** Keys of one daemon block that neither the common keys nor its module's reference name. */
  private static List<String> unknownKeys(
      String name, Config given, Config referenceBlock, boolean plugin, Config config) {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : given.entrySet()) {
      String key = e.getKey();
      String first = key.contains(".") ? key.substring(0, key.indexOf('.')) : key;
      boolean ok =
          COMMON_KEYS.contains(key)
              || known(referenceBlock, key)
              || (plugin && (Plugins.KEYS.contains(key) || first.equals(Plugins.SETTINGS)));
      if (!ok) {
        Set<String> allowed = new TreeSet<>(COMMON_KEYS);
        referenceBlock.root().keySet().forEach(allowed::add);
        if (plugin) {
          allowed.addAll(Plugins.KEYS);
          allowed.add(Plugins.SETTINGS);
        }
        problems.add(
            shown(DAEMONS_PATH + "." + name + "." + key, e.getValue())
                + " is not a key of "
                + name
                + " (known: "
                + String.join(", ", allowed)
                + ")");
      }
    }
    return problems;
  }

  /**
   * Whether {@code key} is one of the reference's, or lies under a reference object that is
   * empty (a free-form map).
   */
  private static boolean known(Config reference, String key) {
    if (reference.hasPathOrNull(key)) {
      return true;
    }
    for (int dot = key.lastIndexOf('.'); dot > 0; dot = key.lastIndexOf('.', dot - 1)) {
      String prefix = key.substring(0, dot);
      if (reference.hasPathOrNull(prefix)) {
        ConfigValue value = reference.getValue(prefix);
        return value.valueType() == ConfigValueType.OBJECT && ((ConfigObject) value).isEmpty();
      }
    }
    return false;
  }

  private static String unknown(
      String key, ConfigValue value, String why, Config reference, String path) {
    String parent = path.contains(".") ? path.substring(0, path.lastIndexOf('.')) : "";
    String known = "";
    if (!parent.isEmpty() && reference.hasPath(parent)) {
      Set<String> siblings = new TreeSet<>(reference.getObject(parent).keySet());
      siblings.remove("environment");
      known = " (known under " + parent + ": " + String.join(", ", siblings) + ")";
    }
    return shown(key, value) + " " + why + known;
  }

  /** {@code key = value (from origin)}, as every problem shows a value. */
  static String shown(String key, ConfigValue value) {
    return key
        + " = "
        + value.render(ConfigRenderOptions.concise())
        + " (from "
        + value.origin().description()
        + ")";
  }

  private static String at(Config config, String name, String key) {
    ConfigValue value = config.getValue(DAEMONS_PATH + "." + quoted(name) + "." + key);
    return shown(DAEMONS_PATH + "." + name + "." + key, value);
  }

  /** One line per problem of a module's {@link ConfigException}. */
  static List<String> describe(ConfigException e) {
    if (e instanceof ConfigException.ValidationFailed failed) {
      List<String> lines = new ArrayList<>();
      failed
          .problems()
          .forEach(
              p ->
                  lines.add(
                      p.path()
                          + " (from "
                          + p.origin().description()
                          + ") "
                          + p.problem()));
      return lines;
    }
    return List.of(e.getMessage());
  }

  private static String quoted(String name) {
    return name.matches("[A-Za-z0-9_-]+") ? name : "\"" + name.replace("\"", "\\\"") + "\"";
  }

  /** Reads a block's typed values, each failure one problem line. */
  private record Values(Config config, String prefix, List<String> problems) {
    Duration duration(Config block, String key) {
      if (!block.hasPath(key)) {
        return null;
      }
      try {
        Duration d = block.getDuration(key);
        if (d.isNegative() || d.isZero()) {
          problems.add(describe(block, key, "must be positive"));
          return null;
        }
        return d;
      } catch (ConfigException e) {
        problems.add(describe(block, key, "is not a duration (e.g. 30s, 500ms, 2m)"));
        return null;
      }
    }

    Integer wholeNumber(Config block, String key, int min, int max) {
      if (!block.hasPath(key)) {
        return null;
      }
      try {
        int n = block.getInt(key);
        if (n < min || n > max) {
          problems.add(describe(block, key, "must be between " + min + " and " + max));
          return null;
        }
        return n;
      } catch (ConfigException e) {
        problems.add(describe(block, key, "is not a whole number"));
        return null;
      }
    }

    Collection<String> names(Config block, String key) {
      if (!block.hasPath(key)) {
        return List.of();
      }
      try {
        return block.getStringList(key);
      } catch (ConfigException e) {
        problems.add(describe(block, key, "is not a list of daemon names"));
        return List.of();
      }
    }

    private String describe(Config block, String key, String why) {
      return shown(prefix + key, block.getValue(key)) + " " + why;
    }
  }
}
