package dev.vigil.launcher.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.vigil.core.Daemon;
import dev.vigil.core.DaemonSpec;
import dev.vigil.core.DaemonType;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Loads plug-in daemons: a daemon block with {@code class = "com.acme.MyDaemon"} names a class
 * that implements {@link Daemon}, found on the plug-in class path ({@code --classpath} entries and
 * the jars of the installation's {@code lib/} directory). The class needs a public constructor
 * taking a {@link Config} (the block's {@code settings}) or none; each start gets a new instance.
 */
public final class Plugins {
  /** The keys a plug-in block may set besides the common ones and {@link #SETTINGS}. */
  static final Set<String> KEYS = Set.of("class", "category", "critical");

  /** The block's free-form object handed to the plug-in. */
  static final String SETTINGS = "settings";

  private final ClassLoader loader;
  private final String where;

  private Plugins(ClassLoader loader, String where) {
    this.loader = loader;
    this.where = where;
  }

  /**
   * A loader over {@code classpath} (jars or class directories) and every jar in {@code libDir}
   * (if it exists), with the launcher's classes as parent.
   *
   * @throws BadConfigException if a class path entry does not exist
   */
  public static Plugins of(List<Path> classpath, Path libDir) {
    List<Path> entries = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Path entry : classpath) {
      if (Files.exists(entry)) {
        entries.add(entry);
      } else {
        problems.add("--classpath entry " + entry + " does not exist");
      }
    }
    if (Files.isDirectory(libDir)) {
      try (Stream<Path> jars = Files.list(libDir)) {
        jars.filter(j -> j.getFileName().toString().endsWith(".jar")).sorted().forEach(entries::add);
      } catch (IOException e) {
        problems.add("cannot list the plug-in directory " + libDir + ": " + e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new BadConfigException(problems);
    }
    List<URL> urls = new ArrayList<>();
    for (Path entry : entries) {
      try {
        urls.add(entry.toAbsolutePath().toUri().toURL());
      } catch (MalformedURLException e) {
        throw new BadConfigException(List.of("bad class path entry " + entry + ": " + e));
      }
    }
    ClassLoader parent = Plugins.class.getClassLoader();
    ClassLoader loader =
        urls.isEmpty() ? parent : new URLClassLoader("vigil-plugins", urls.toArray(URL[]::new), parent);
    String where =
        entries.isEmpty()
            ? "the plug-in class path is empty: give --classpath or put jars in " + libDir
            : "searched " + String.join(", ", entries.stream().map(Path::toString).toList());
    return new Plugins(loader, where);
  }

  /**
   * The spec of the plug-in daemon {@code name} whose block is {@code block}, or empty with the
   * problems added.
   *
   * @param at the {@code class} key as problems name it ({@code vigil.daemons.X.class = "..."
   *     (from file: 3)})
   */
  Optional<DaemonSpec> spec(String name, Config block, String at, List<String> problems) {
    String className;
    try {
      className = block.getString("class");
    } catch (ConfigException e) {
      problems.add(at + " is not a class name");
      return Optional.empty();
    }
    Class<?> type;
    try {
      type = Class.forName(className, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      problems.add(at + ": class not found (" + where + ")");
      return Optional.empty();
    }
    if (!Daemon.class.isAssignableFrom(type)) {
      problems.add(at + ": " + className + " does not implement " + Daemon.class.getName());
      return Optional.empty();
    }
    if (!Modifier.isPublic(type.getModifiers()) || Modifier.isAbstract(type.getModifiers())) {
      problems.add(at + ": " + className + " must be a public, non-abstract class");
      return Optional.empty();
    }
    Config settings =
        block.hasPath(SETTINGS) ? block.getConfig(SETTINGS) : ConfigFactory.empty();
    Supplier<Daemon> factory = factory(type.asSubclass(Daemon.class), settings);
    if (factory == null) {
      problems.add(
          at
              + ": "
              + className
              + " has no public constructor taking a "
              + Config.class.getName()
              + " or nothing");
      return Optional.empty();
    }
    DaemonSpec.Builder spec =
        DaemonSpec.builder(DaemonType.of(name), factory)
            .category(block.hasPath("category") ? block.getString("category") : "plugin")
            .config(settings);
    if (block.hasPath("critical")) {
      try {
        spec.critical(block.getBoolean("critical"));
      } catch (ConfigException e) {
        problems.add("vigil.daemons." + name + ".critical is not true or false");
      }
    }
    return Optional.of(spec.build());
  }

  private static Supplier<Daemon> factory(Class<? extends Daemon> type, Config settings) {
    try {
      Constructor<? extends Daemon> withSettings = type.getConstructor(Config.class);
      return () -> create(withSettings, settings);
    } catch (NoSuchMethodException e) {
      // try the no-argument constructor
    }
    try {
      Constructor<? extends Daemon> plain = type.getConstructor();
      return () -> create(plain);
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  private static Daemon create(Constructor<? extends Daemon> constructor, Object... args) {
    try {
      return constructor.newInstance(args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(
          "constructor of " + constructor.getDeclaringClass().getName() + " failed", e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "cannot create " + constructor.getDeclaringClass().getName(), e);
    }
  }
}
