package dev.vigil.rounds.otlp;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A ring of the newest {@code capacity} items, each filed under a trace id, with the items of one
 * trace chained oldest first. Adding is O(1): when the ring is full the oldest item is dropped,
 * and since the items of a trace join their chain in ring order, the dropped item is always the
 * head of its chain. Items older than the age limit are dropped from the tail on every call.
 *
 * <p>Thread-safe: every method holds the ring's lock, briefly (a batch of adds takes it once).
 */
final class TraceRing<T> {
  /** The items of one trace: slots of the head (oldest) and tail (newest) of its chain. */
  private static final class Chain {
    int head;
    int tail;
    int size;

    Chain(int slot) {
      head = slot;
      tail = slot;
      size = 1;
    }
  }

  private final int capacity;
  private final long maxAgeMillis;
  private final Object[] items;
  private final ByteString[] keys;
  private final long[] addedAt;
  private final int[] next; // next slot of the same trace, -1 at the chain's tail
  private final Map<ByteString, Chain> chains;
  private int oldest; // slot of the oldest item
  private int size;

  TraceRing(int capacity, long maxAgeMillis) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity " + capacity + " must not be negative");
    }
    this.capacity = capacity;
    this.maxAgeMillis = maxAgeMillis;
    this.items = new Object[capacity];
    this.keys = new ByteString[capacity];
    this.addedAt = new long[capacity];
    this.next = new int[capacity];
    this.chains = new HashMap<>();
  }

  /** Whether the ring keeps anything at all. */
  boolean enabled() {
    return capacity > 0;
  }

  /** Adds {@code values} with their trace ids ({@code traceIds.get(i)} files {@code values.get(i)}). */
  synchronized void addAll(List<ByteString> traceIds, List<? extends T> values, long nowMillis) {
    if (capacity == 0) {
      return;
    }
    expire(nowMillis);
    for (int i = 0, n = values.size(); i < n; i++) {
      if (size == capacity) {
        dropOldest();
      }
      int slot = (oldest + size) % capacity;
      ByteString key = traceIds.get(i);
      items[slot] = values.get(i);
      keys[slot] = key;
      addedAt[slot] = nowMillis;
      next[slot] = -1;
      Chain chain = chains.get(key);
      if (chain == null) {
        chains.put(key, new Chain(slot));
      } else {
        next[chain.tail] = slot;
        chain.tail = slot;
        chain.size++;
      }
      size++;
    }
  }

  /** The items filed under {@code traceId}, oldest first; empty when none. */
  synchronized List<T> get(ByteString traceId, long nowMillis) {
    expire(nowMillis);
    Chain chain = chains.get(traceId);
    if (chain == null) {
      return List.of();
    }
    List<T> out = new ArrayList<>(chain.size);
    for (int slot = chain.head; slot >= 0; slot = next[slot]) {
      @SuppressWarnings("unchecked")
      T item = (T) items[slot];
      out.add(item);
    }
    return out;
  }

  /** How many items are held now. */
  synchronized int size(long nowMillis) {
    expire(nowMillis);
    return size;
  }

  /** How many traces have items now. */
  synchronized int traces(long nowMillis) {
    expire(nowMillis);
    return chains.size();
  }

  private void expire(long nowMillis) {
    long cutoff = nowMillis - maxAgeMillis;
    while (size > 0 && addedAt[oldest] < cutoff) {
      dropOldest();
    }
  }

  private void dropOldest() {
    int slot = oldest;
    ByteString key = keys[slot];
    Chain chain = chains.get(key);
    // the oldest item overall is the oldest of its trace, so it heads its chain
    chain.head = next[slot];
    chain.size--;
    if (chain.size == 0) {
      chains.remove(key);
    }
    items[slot] = null;
    keys[slot] = null;
    oldest = (oldest + 1) % capacity;
    size--;
  }
}
