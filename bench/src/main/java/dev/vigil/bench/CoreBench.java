package dev.vigil.bench;

/**
 * Runs one repetition of one core benchmark scenario in this JVM and prints its RESULT line on
 * standard output. {@code scripts/bench core} starts one JVM per repetition, so no repetition
 * inherits another's JIT state, heap or threads.
 *
 * <p>Usage: {@code java -jar vigil-bench.jar <scenario> <n> <rep>}, with scenario one of {@code
 * start-stop}, {@code dag}, {@code restart}, {@code footprint}, {@code ticks}. For {@code dag}, N
 * is the daemon count and must be a multiple of its 10 levels.
 */
public final class CoreBench {
  /** Layers of the {@code dag} scenario. */
  static final int DAG_LEVELS = 10;

  /** Parents of each daemon below the first layer. */
  static final int DAG_FAN_IN = 3;

  private CoreBench() {}

  /** Entry point; exits 2 on bad usage, 1 when the scenario fails. */
  public static void main(String[] args) {
    if (args.length != 3) {
      usage("expected 3 arguments, got " + args.length);
    }
    String scenario = args[0];
    int n = parse("n", args[1]);
    int rep = parse("rep", args[2]);
    Result result;
    try {
      result =
          switch (scenario) {
            case "start-stop" -> StartStopBench.run(scenario, n, rep, () -> Registries.idle(n));
            case "dag" -> {
              if (n % DAG_LEVELS != 0 || n / DAG_LEVELS < DAG_FAN_IN) {
                usage("dag needs n a multiple of " + DAG_LEVELS + " with at least " + DAG_FAN_IN
                    + " daemons per level, got " + n);
              }
              yield StartStopBench.run(
                  scenario, n, rep,
                  () -> Registries.dag(DAG_LEVELS, n / DAG_LEVELS, DAG_FAN_IN, 42));
            }
            case "restart" -> RestartBench.run(n, rep);
            case "footprint" -> FootprintBench.run(n, rep);
            case "ticks" -> TicksBench.run(n, rep);
            default -> {
              usage("unknown scenario '" + scenario + "'");
              yield null;
            }
          };
    } catch (RuntimeException e) {
      System.err.println("bench " + scenario + " n=" + n + " rep=" + rep + " failed:");
      e.printStackTrace();
      System.exit(1);
      return;
    }
    System.out.println(result.line());
    System.out.flush();
    // the manager's threads are daemons, but a scenario bug must not leave the JVM hanging
    System.exit(0);
  }

  private static int parse(String what, String value) {
    try {
      int v = Integer.parseInt(value.replace(",", "").replace("_", ""));
      if (v < 1) {
        usage(what + " must be at least 1, got " + value);
      }
      return v;
    } catch (NumberFormatException e) {
      usage(what + " is not a number: '" + value + "'");
      return 0;
    }
  }

  private static void usage(String problem) {
    System.err.println("error: " + problem);
    System.err.println(
        "usage: java -jar vigil-bench.jar <start-stop|dag|restart|footprint|ticks> <n> <rep>");
    System.exit(2);
  }
}
