/**
 * Notifications about signatures (diagnosed, recurred, resolved, regressed) to stdout, Markdown
 * files and GitHub issues, dispatched with a confidence filter, a per-signature cooldown and a
 * retry queue that never drops a notification.
 */
package dev.vigil.rounds.notify;
