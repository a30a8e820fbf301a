package dev.vigil.bench.ingest;

import java.util.Locale;
import java.util.Random;
import java.util.UUID;

/**
 * The errors the ingest benchmark sends: {@value #KINDS} distinct underlying errors over eight
 * services, each occurrence with fresh variable parts in its message (numeric and hex ids, UUIDs,
 * IPs with ports, durations, e-mail addresses, counters) and in its stack trace (line numbers and
 * release paths change between "deploys"). JVM, Python and Go stacks, plus some errors without a
 * stack. Seeded, so every run sends the same stream.
 */
final class ErrorCorpus {
  /** How many distinct errors the stream holds (each one signature when grouped right). */
  static final int KINDS = 300;

  /** One occurrence: the span's service and its exception event's attributes. */
  record Occurrence(int kind, String service, String type, String message, String stack) {}

  private static final String[] SERVICES = {
    "checkout", "billing", "search", "accounts", "inventory", "gateway", "mailer", "reports"
  };
  private static final String[] ACTIONS = {
    "cannot reserve", "failed to charge", "could not index", "unable to refresh", "rejected",
    "timed out loading", "lost lock on", "could not serialise", "refused to delete",
    "gave up syncing", "cannot validate", "failed to publish", "could not decode",
    "unable to archive", "dropped"
  };
  private static final String[] OBJECTS = {
    "order", "invoice", "session", "cart", "payment", "shipment", "profile", "token", "report",
    "webhook", "coupon", "refund", "address", "review", "ticket", "upload", "export", "quota",
    "batch", "receipt"
  };
  private static final String[] PY_TYPES = {
    "ValueError", "KeyError", "TimeoutError", "ConnectionError", "PermissionError", "RuntimeError"
  };
  private static final String[] JVM_TYPES = {
    "java.lang.IllegalStateException", "java.net.SocketTimeoutException",
    "java.io.UncheckedIOException", "java.lang.IllegalArgumentException",
    "org.postgresql.util.PSQLException"
  };

  private final Random random;

  ErrorCorpus(long seed) {
    this.random = new Random(seed);
  }

  /** The next occurrence: the kind drawn with a skew (some errors are much more frequent). */
  Occurrence next() {
    // a mix of uniform and skewed draws: every kind occurs, a few dominate as in real traffic
    int kind = random.nextBoolean() ? random.nextInt(KINDS) : (int) (KINDS * Math.pow(random.nextDouble(), 3));
    return occurrence(kind);
  }

  Occurrence occurrence(int kind) {
    String action = ACTIONS[kind % ACTIONS.length];
    String object = OBJECTS[kind / ACTIONS.length % OBJECTS.length];
    String service = SERVICES[kind % SERVICES.length];
    String message =
        switch (kind % 7) {
          case 0 -> action + " " + object + " " + id() + " for " + email() + " after " + duration();
          case 1 -> action + " " + object + " " + uuid() + ": upstream " + address() + " answered after " + duration();
          case 2 -> "request " + hexId(kind) + ": " + action + " " + object + " (attempt " + (1 + random.nextInt(5)) + " of 5)";
          case 3 -> action + " " + object + " '" + object + "-" + id() + "' at " + timestamp();
          case 4 -> action + " " + object + " in /var/lib/" + service + "/" + uuid() + "/data.json, " + (random.nextInt(90) + 10) + "% done";
          case 5 -> action + " " + object + " #" + id() + ": " + random.nextInt(100_000) + " rows, " + random.nextInt(900) + " MB";
          default -> action + " " + object + " via https://" + service + ".example.com/v1/" + object + "s/" + id() + "?trace=" + hexId(kind);
        };
    String function = (action.replace(' ', '_') + "_" + object);
    return switch (kind % 5) {
      case 0, 3 -> {
        String type = JVM_TYPES[kind % JVM_TYPES.length];
        yield new Occurrence(kind, service, type, message, jvm(service, object, function, type, message));
      }
      case 1 -> {
        String type = PY_TYPES[kind % PY_TYPES.length];
        yield new Occurrence(kind, service, type, message, python(service, object, function, type, message));
      }
      case 2 -> new Occurrence(kind, service, "*errors.errorString", message, go(object, function, message));
      default -> new Occurrence(kind, service, PY_TYPES[kind % PY_TYPES.length], message, null);
    };
  }

  private String jvm(String service, String object, String function, String type, String message) {
    String simple = Character.toUpperCase(object.charAt(0)) + object.substring(1) + "Service";
    String cls = "com.example." + service + "." + object + "." + simple;
    String method = toCamel(function);
    return type + ": " + message + "\n"
        + "\tat java.base/java.util.Objects.requireNonNull(Objects.java:" + (200 + random.nextInt(50)) + ")\n"
        + "\tat " + cls + "." + method + "(" + simple + ".java:" + (20 + random.nextInt(80)) + ")\n"
        + "\tat " + cls + ".lambda$handle$" + random.nextInt(3) + "(" + simple + ".java:" + (100 + random.nextInt(9)) + ")\n"
        + "\tat com.example." + service + ".web.Router.dispatch(Router.java:" + (50 + random.nextInt(20)) + ")\n"
        + "\tat org.eclipse.jetty.server.handler.ContextHandler.handle(ContextHandler.java:1158)\n"
        + "\tat org.eclipse.jetty.server.Server.handle(Server.java:563)\n"
        + "\tat org.eclipse.jetty.util.thread.QueuedThreadPool.runJob(QueuedThreadPool.java:969)\n"
        + "\tat java.base/java.lang.Thread.run(Thread.java:1583)\n";
  }

  private String python(String service, String object, String function, String type, String message) {
    int deploy = random.nextInt(30);
    return "Traceback (most recent call last):\n"
        + "  File \"/srv/" + service + "/releases/" + deploy + "/app/api.py\", line " + (40 + deploy) + ", in handle\n"
        + "    return " + function + "(request)\n"
        + "  File \"/srv/" + service + "/releases/" + deploy + "/app/" + object + "s.py\", line " + (100 + random.nextInt(50)) + ", in " + function + "\n"
        + "    client.call(payload)\n"
        + "  File \"/opt/venv/lib/python3.12/site-packages/httpx/_client.py\", line " + (900 + random.nextInt(9)) + ", in send\n"
        + "    raise exc\n"
        + type + ": " + message + "\n";
  }

  private String go(String object, String function, String message) {
    return "panic: " + message + "\n\ngoroutine " + (1 + random.nextInt(500)) + " [running]:\n"
        + "github.com/example/" + object + "s.(*Service)." + toCamel(function) + "(0xc000" + Integer.toHexString(0x1000 + random.nextInt(0xefff)) + ")\n"
        + "\t/build/" + random.nextInt(99) + "/" + object + "s/service.go:" + (10 + random.nextInt(90)) + " +0x1d\n"
        + "main.main()\n\t/build/main.go:12 +0x25\n";
  }

  private static String toCamel(String snake) {
    StringBuilder b = new StringBuilder();
    boolean up = false;
    for (char c : snake.toCharArray()) {
      if (c == '_') {
        up = true;
      } else {
        b.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return b.toString();
  }

  private String id() {
    return String.valueOf(1 + random.nextInt(random.nextBoolean() ? 1000 : 10_000_000));
  }

  private String uuid() {
    return new UUID(random.nextLong(), random.nextLong()).toString();
  }

  private String hexId(int kind) {
    return kind % 3 == 0
        ? Long.toHexString(random.nextLong() | 1L << 60)
        : "0x" + Integer.toHexString(random.nextInt() | 1);
  }

  private String email() {
    String[] names = {"ana", "bo.li", "chen+shop", "dora_k", "eve"};
    return names[random.nextInt(names.length)] + random.nextInt(100) + "@" + (random.nextBoolean() ? "example.com" : "mail.example.org");
  }

  private String address() {
    return switch (random.nextInt(3)) {
      case 0 -> "10." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + ":" + (1024 + random.nextInt(60000));
      case 1 -> "[fd00::" + Integer.toHexString(1 + random.nextInt(0xfff)) + "]:" + (1024 + random.nextInt(60000));
      default -> "db-" + random.nextInt(9) + ".prod.example.com:5432";
    };
  }

  private String duration() {
    return switch (random.nextInt(4)) {
      case 0 -> random.nextInt(1000) + "ms";
      case 1 -> random.nextInt(60) + "." + random.nextInt(10) + "s";
      case 2 -> random.nextInt(5000) + " ms";
      default -> random.nextInt(9) + "m" + random.nextInt(60) + "s";
    };
  }

  private String timestamp() {
    return String.format(Locale.ROOT, "2024-%02d-%02dT%02d:%02d:%02d.%03dZ",
        1 + random.nextInt(12), 1 + random.nextInt(28), random.nextInt(24), random.nextInt(60),
        random.nextInt(60), random.nextInt(1000));
  }
}
