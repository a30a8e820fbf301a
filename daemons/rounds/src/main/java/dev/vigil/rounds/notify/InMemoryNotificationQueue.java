package dev.vigil.rounds.notify;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A {@link NotificationQueue} in memory: it does not survive a restart. */
public final class InMemoryNotificationQueue implements NotificationQueue {
  private final Map<Long, Pending> entries = new TreeMap<>();
  private long nextId = 1;

  @Override
  public synchronized Pending add(
      String notifier, Notification notification, Instant dueAt, String lastError) {
    Pending p = new Pending(nextId++, notifier, notification, 0, dueAt, lastError, false);
    entries.put(p.id(), p);
    return p;
  }

  @Override
  public synchronized void update(Pending pending) {
    if (entries.containsKey(pending.id())) {
      entries.put(pending.id(), pending);
    }
  }

  @Override
  public synchronized void remove(long id) {
    entries.remove(id);
  }

  @Override
  public synchronized List<Pending> all() {
    return new ArrayList<>(entries.values());
  }
}
