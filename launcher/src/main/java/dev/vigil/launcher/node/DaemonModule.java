package dev.vigil.launcher.node;

import com.typesafe.config.Config;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.EventBus;
import dev.vigil.launcher.http.ApiRoute;
import io.prometheus.metrics.model.registry.MultiCollector;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A daemon module as the composition root sees it: from the merged configuration, the specs of
 * its daemons and their metrics. Each module's own entry point validates its settings and throws
 * {@link com.typesafe.config.ConfigException} naming the key, the value and why.
 */
@FunctionalInterface
public interface DaemonModule {
  /**
   * Builds the module's daemons. Nothing may start here: this runs for {@code vigil validate}
   * too.
   *
   * @throws com.typesafe.config.ConfigException if a setting is bad
   */
  Built build(Config config, Context context);

  /**
   * What a module built.
   *
   * @param specs its daemons
   * @param metrics collectors for {@code /metrics}
   * @param onEventBus told the node's event bus once the manager is built, before anything starts
   *     (a module whose daemons publish typed events from outside a daemon context)
   * @param routes endpoints it adds to the node's HTTP server, each behind the control API's
   *     bearer token (a module's management API)
   */
  record Built(
      List<DaemonSpec> specs,
      List<MultiCollector> metrics,
      Consumer<EventBus> onEventBus,
      List<ApiRoute> routes) {
    /** Copies the lists. */
    public Built {
      specs = List.copyOf(specs);
      metrics = List.copyOf(metrics);
      Objects.requireNonNull(onEventBus, "onEventBus");
      routes = List.copyOf(routes);
    }

    /** A module that adds no endpoint. */
    public Built(List<DaemonSpec> specs, List<MultiCollector> metrics, Consumer<EventBus> onEventBus) {
      this(specs, metrics, onEventBus, List.of());
    }

    /** A module that needs no event bus and adds no endpoint. */
    public Built(List<DaemonSpec> specs, List<MultiCollector> metrics) {
      this(specs, metrics, bus -> {});
    }
  }

  /**
   * What the node offers its modules.
   *
   * @param stateDir the node's state directory (absolute), for a module's default files
   * @param workingDir the directory relative paths resolve against
   * @param env the process environment
   * @param endpoints told each address a module's daemon listens on ({@code "otlp_url"} and the
   *     URL), so the node can publish it in {@code node.json}
   */
  record Context(
      Path stateDir, Path workingDir, Map<String, String> env, BiConsumer<String, URI> endpoints) {
    /** Copies the environment. */
    public Context {
      env = Map.copyOf(env);
    }
  }
}
