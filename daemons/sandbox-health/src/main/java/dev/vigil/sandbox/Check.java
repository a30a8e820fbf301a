package dev.vigil.sandbox;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** What a probe checks: one record per kind, each with its parameters. */
sealed interface Check {

  /** The kind's name in config ({@code env}, {@code http}, ...). */
  String kind();

  /** Environment variables this check reads as headers; they are secrets and credentials. */
  default List<String> headerVariables() {
    return List.of();
  }

  /** Where environment variables come from and which wins. */
  enum Precedence {
    /** The process environment wins over the files. */
    PROCESS_FIRST,
    /** The files win over the process environment. */
    FILE_FIRST,
    /** The files win when {@code APP_ENV} is {@code local}, the process otherwise. */
    FILE_FIRST_WHEN_LOCAL
  }

  /**
   * The sources of environment variables.
   *
   * @param files {@code .env}-style files, later ones overriding earlier ones; a missing file is
   *     not an error
   * @param precedence which wins between the process and the files
   */
  record EnvSources(List<Path> files, Precedence precedence) {
    public EnvSources {
      files = List.copyOf(files);
    }
  }

  /** A variable and the names it may also go by. */
  record EnvVar(String name, List<String> aliases) {
    public EnvVar {
      aliases = List.copyOf(aliases);
    }

    List<String> names() {
      if (aliases.isEmpty()) {
        return List.of(name);
      }
      return java.util.stream.Stream.concat(java.util.stream.Stream.of(name), aliases.stream())
          .toList();
    }
  }

  /** An expectation on a variable's value. */
  record EnvExpect(String name, JsonAssertion.Op op, Object value) {}

  /** Variables that must, may and must not be set. */
  record Env(
      List<EnvVar> required,
      List<EnvVar> optional,
      List<EnvVar> forbidden,
      Set<String> secret,
      List<EnvExpect> expect,
      EnvSources sources)
      implements Check {
    public Env {
      required = List.copyOf(required);
      optional = List.copyOf(optional);
      forbidden = List.copyOf(forbidden);
      secret = Set.copyOf(secret);
      expect = List.copyOf(expect);
    }

    @Override
    public String kind() {
      return "env";
    }
  }

  /** A header with a literal value, or a value read from an environment variable. */
  record Header(String name, Optional<String> value, Optional<String> env, String prefix) {}

  /** An HTTP request and what its answer must look like. */
  record Http(
      String method,
      URI url,
      List<Header> headers,
      Optional<String> body,
      Set<Integer> expectStatus,
      List<JsonAssertion> json)
      implements Check {
    public Http {
      headers = List.copyOf(headers);
      expectStatus = Set.copyOf(expectStatus);
      json = List.copyOf(json);
    }

    @Override
    public String kind() {
      return "http";
    }

    @Override
    public List<String> headerVariables() {
      return headers.stream().flatMap(h -> h.env().stream()).toList();
    }
  }

  /** A TCP connection that must be accepted. */
  record Tcp(String host, int port) implements Check {
    @Override
    public String kind() {
      return "tcp";
    }
  }

  /**
   * A port that must be free (nothing listens), or held (something listens).
   *
   * @param host the address to bind, empty for the wildcard address (catches listeners on any)
   * @param orServedAt when the port must be free but is held, it still passes if this URL answers
   *     HTTP: the port is held by the service that should hold it (the node's own port, say)
   */
  record PortFree(Optional<String> host, int port, boolean expectFree, Optional<URI> orServedAt)
      implements Check {
    @Override
    public String kind() {
      return "port-free";
    }
  }

  /** Free space on the file system that holds a path (or its nearest existing parent). */
  record Disk(
      Path path, long minFreeBytes, double minFreePercent, long warnFreeBytes, double warnFreePercent)
      implements Check {
    @Override
    public String kind() {
      return "disk";
    }
  }

  /**
   * A program that must exit with an accepted code, and optionally print JSON that passes
   * assertions.
   *
   * @param categoryPath a JSON path in the output whose string value, when set, becomes the
   *     result's category (a smoke test's {@code error_category}, say)
   */
  record Command(
      List<String> argv,
      Optional<Path> cwd,
      List<String> envAllowlist,
      Map<String, String> env,
      Set<Integer> okExit,
      List<JsonAssertion> json,
      int maxOutputBytes,
      Optional<String> categoryPath)
      implements Check {
    public Command {
      argv = List.copyOf(argv);
      envAllowlist = List.copyOf(envAllowlist);
      env = Map.copyOf(env);
      okExit = Set.copyOf(okExit);
      json = List.copyOf(json);
    }

    @Override
    public String kind() {
      return "command";
    }
  }

  /** A WebSocket upgrade handshake that must succeed. */
  record WebSocket(URI url, List<Header> headers) implements Check {
    public WebSocket {
      headers = List.copyOf(headers);
    }

    @Override
    public String kind() {
      return "websocket";
    }

    @Override
    public List<String> headerVariables() {
      return headers.stream().flatMap(h -> h.env().stream()).toList();
    }
  }
}
