/**
 * Sandbox health: declared probes run continuously with thresholds and dependencies, rolled up
 * into the {@code SANDBOX_HEALTH} daemon's health, and a symptom-to-cause decision tree.
 */
package dev.vigil.sandbox;
