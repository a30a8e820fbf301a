package dev.vigil.launcher.plugins;

/** A class that is no daemon, for the plug-in loader's error message. */
public final class NotADaemon {}
