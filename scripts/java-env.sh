# Sourced by the scripts: picks a JDK 21+ and exports JAVA_HOME, or explains how to set it.
# The JDK's major version, from its release file (a JVM start costs ~40 ms, half a client
# command's budget), else from `java -version`.
vigil_java_major() {
  local major
  major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null)
  if [ -n "$major" ]; then
    echo "$major"
  else
    "$1/bin/java" -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n 1
  fi
}

vigil_find_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/temurin-2[1-9]* \
                   /usr/lib/jvm/java-2[1-9]* /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(vigil_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      export JAVA_HOME="$candidate"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "error: no JDK 21 or newer found (JAVA_HOME=${JAVA_HOME:-unset}, looked under /usr/lib/jvm)." >&2
  echo "       Install one (e.g. Temurin 21+) and set JAVA_HOME=/path/to/jdk, then run again." >&2
  return 1
}
