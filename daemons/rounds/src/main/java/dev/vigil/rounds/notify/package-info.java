/**
 * Notifications about signatures (diagnosed, recurred, resolved, regressed) to stdout, Markdown
 * files and GitHub issues, dispatched with a confidence filter and a per-signature cooldown
 * through a durable queue (the store's, shared by every dispatcher on it) that never drops a
 * notification and keeps them in order per signature.
 */
package dev.vigil.rounds.notify;
