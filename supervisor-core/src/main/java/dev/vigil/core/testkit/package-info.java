/**
 * Tools for testing daemons and code that embeds a {@link dev.vigil.core.DaemonManager}: {@link
 * dev.vigil.core.testkit.ManualScheduler} runs timers and the clock in virtual time.
 */
package dev.vigil.core.testkit;
