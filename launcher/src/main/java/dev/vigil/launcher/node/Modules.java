package dev.vigil.launcher.node;

import com.typesafe.config.Config;
import dev.vigil.core.DaemonSpec;
import dev.vigil.launcher.http.ApiRoute;
import dev.vigil.rounds.RoundsModule;
import dev.vigil.rounds.investigation.Management;
import dev.vigil.rounds.otlp.OtlpMetrics;
import dev.vigil.rounds.otlp.OtlpReceiverDaemon;
import dev.vigil.rounds.otlp.OtlpSettings;
import dev.vigil.rounds.otlp.RecentTelemetry;
import dev.vigil.sandbox.SandboxHealthModule;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** The daemon modules compiled into this launcher, in the order their daemons are listed. */
final class Modules {
  private Modules() {}

  /** Each module's entry, adapted to {@link DaemonModule}. */
  static List<DaemonModule> all() {
    return List.of(Modules::rounds, Modules::sandboxHealth);
  }

  /**
   * The rounds pipeline: the signature store, the poller, the DIAGNOSIS investigator, and the OTLP
   * receiver pushing into the same ingest pipeline (its URL published in node.json as {@code
   * otlp_url}) and holding the recent traces and logs investigations read; and the signature
   * management and notification queue endpoints ({@link SignaturesApi}, {@link NotificationsApi}).
   */
  private static DaemonModule.Built rounds(Config config, DaemonModule.Context context) {
    OtlpSettings otlp = OtlpSettings.from(config);
    // one buffer: the receiver fills it, the DIAGNOSIS daemon reads traces and logs from it
    RecentTelemetry recent = RecentTelemetry.of(otlp.buffer(), Clock.systemUTC());
    RoundsModule rounds = RoundsModule.create(config, context.stateDir(), context.workingDir(), recent);
    OtlpMetrics otlpMetrics = new OtlpMetrics();
    DaemonSpec receiver =
        OtlpReceiverDaemon.spec(
            otlp,
            rounds.pushSink(),
            recent,
            otlpMetrics,
            endpoints -> context.endpoints().accept("otlp_url", endpoints.http()),
            RoundsModule.SIGNATURE_STORE);
    List<DaemonSpec> specs = new ArrayList<>(rounds.specs());
    specs.add(receiver);
    return new DaemonModule.Built(
        specs,
        List.of(rounds.metrics(), rounds.diagnosis().metrics(), otlpMetrics),
        rounds::publishTo,
        // changes notify on the node's stdout, as the DIAGNOSIS daemon's stdout notifier does
        apiRoutes(rounds.nodeManagement(System.out)));
  }

  /** The rounds module's endpoints: signature management, then the notification queue. */
  static List<ApiRoute> apiRoutes(Management management) {
    List<ApiRoute> routes = new ArrayList<>(SignaturesApi.routes(management, Clock.systemUTC()));
    routes.addAll(NotificationsApi.routes(management));
    return List.copyOf(routes);
  }

  private static DaemonModule.Built sandboxHealth(Config config, DaemonModule.Context context) {
    SandboxHealthModule module =
        SandboxHealthModule.create(config, context.env(), context.workingDir());
    return new DaemonModule.Built(module.specs(), List.of(module.metrics()));
  }
}
