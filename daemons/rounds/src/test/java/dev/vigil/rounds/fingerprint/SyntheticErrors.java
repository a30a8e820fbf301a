package dev.vigil.rounds.fingerprint;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * A stream of error events of {@value #KINDS} distinct underlying errors, each occurrence with
 * fresh variable parts: ids, UUIDs, IPs with ports, durations with units, hex request ids, e-mail
 * addresses, counters, quoted keys, paths; about half carry a stack trace (Python, JVM, Go, Node)
 * whose line numbers and install paths change between "deploys". Built from its own word lists,
 * not from any data set the normaliser was tuned on.
 */
final class SyntheticErrors {
  static final int KINDS = 200;

  /** One event and the error it is an occurrence of. */
  record Event(int kind, String service, String type, String message, String stack) {}

  private static final String[] SERVICES = {
    "checkout", "billing", "search", "accounts", "inventory", "gateway", "mailer", "reports"
  };
  private static final String[] ACTIONS = {
    "cannot reserve", "failed to charge", "could not index", "unable to refresh", "rejected",
    "timed out loading", "lost lock on", "could not serialise", "refused to delete",
    "gave up syncing", "cannot validate", "failed to publish", "could not decode",
    "unable to archive", "dropped", "could not resolve", "failed to migrate", "cannot open",
    "could not allocate", "failed to notify"
  };
  private static final String[] OBJECTS = {
    "order", "invoice", "session", "cart", "payment", "shipment", "profile", "token", "report",
    "webhook"
  };
  private static final String[] TYPES = {
    "ValueError", "KeyError", "TimeoutError", "ConnectionError", "PermissionError",
    "RuntimeError", "LookupError"
  };
  private static final String[] JVM_TYPES = {
    "java.lang.IllegalStateException", "java.util.NoSuchElementException",
    "java.io.UncheckedIOException", "java.lang.IllegalArgumentException"
  };

  private final Random random;

  SyntheticErrors(long seed) {
    this.random = new Random(seed);
  }

  /** {@code count} events, kinds drawn uniformly (each kind at least once when count >= KINDS). */
  List<Event> events(int count) {
    List<Event> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int kind = i < KINDS ? i : random.nextInt(KINDS);
      events.add(event(kind));
    }
    return events;
  }

  private Event event(int kind) {
    String action = ACTIONS[kind % ACTIONS.length];
    String object = OBJECTS[kind / ACTIONS.length];
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
    String function = (action.replace(' ', '_') + "_" + object).replace("-", "_");
    return switch (kind % 4) {
      case 0 -> {
        String type = TYPES[kind % TYPES.length];
        yield new Event(kind, service, type, message, python(service, object, function, type, message));
      }
      case 1 -> {
        String type = JVM_TYPES[kind % JVM_TYPES.length];
        yield new Event(kind, service, type, message, jvm(service, object, function, type, message));
      }
      case 2 -> new Event(kind, service, TYPES[kind % TYPES.length], message, null);
      // an error comes with a stack or without one, not both
      default -> new Event(kind, service, null, message, kind % 8 == 3 ? go(object, function, message) : null);
    };
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

  private String jvm(String service, String object, String function, String type, String message) {
    String cls = "com.example." + service + "." + Character.toUpperCase(object.charAt(0)) + object.substring(1) + "Service";
    String method = toCamel(function);
    return type + ": " + message + "\n"
        + "\tat java.base/java.util.Objects.requireNonNull(Objects.java:" + (200 + random.nextInt(50)) + ")\n"
        + "\tat " + cls + "." + method + "(" + cls.substring(cls.lastIndexOf('.') + 1) + ".java:" + (20 + random.nextInt(80)) + ")\n"
        + "\tat " + cls + ".lambda$handle$" + random.nextInt(3) + "(" + cls.substring(cls.lastIndexOf('.') + 1) + ".java:12)\n"
        + "\tat java.base/java.lang.Thread.run(Thread.java:1583)\n";
  }

  private String go(String object, String function, String message) {
    return "panic: " + message + "\n\ngoroutine " + (1 + random.nextInt(500)) + " [running]:\n"
        + "github.com/example/" + object + "s.(*Service)." + toCamel(function) + "(0xc000" + Integer.toHexString(random.nextInt(0xffff)) + ")\n"
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

  /** A hex request id; each error's code prints it one way (bare 64-bit or 0x-prefixed 32-bit). */
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
    return String.format(java.util.Locale.ROOT, "2024-%02d-%02dT%02d:%02d:%02d.%03dZ",
        1 + random.nextInt(12), 1 + random.nextInt(28), random.nextInt(24), random.nextInt(60),
        random.nextInt(60), random.nextInt(1000));
  }
}
