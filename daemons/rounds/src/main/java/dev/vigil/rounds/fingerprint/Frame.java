package dev.vigil.rounds.fingerprint;

/**
 * One stack frame as the fingerprint sees it: where the code is, never the line.
 *
 * @param module the class, module or file (a Java class, a Python module, a Go package with its
 *     receiver, a JavaScript file, a .NET type)
 * @param function the method or function
 * @param inApp whether the frame is the application's own code rather than the language's
 *     standard library, runtime or a well-known framework
 */
record Frame(String module, String function, boolean inApp) {
  /** {@code module::function}, as the fingerprint hashes it. */
  String key() {
    return module + "::" + function;
  }
}
