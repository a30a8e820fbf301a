package dev.vigil.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real-time {@link Scheduler}: a hashed timing wheel on one platform thread. Timers are
 * coalesced into ticks of {@code tickNanos}, so ten thousand pollers cost a hundred wake-ups a
 * second rather than ten thousand, and scheduling or calling off a timer is O(1) without locks. A
 * timer runs within one tick after it is due, never before. With no timer pending the thread parks
 * until the next one is scheduled.
 */
final class TimingWheelScheduler implements Scheduler, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TimingWheelScheduler.class);
  static final Duration DEFAULT_TICK = Duration.ofMillis(10);
  private static final int WHEEL_SIZE = 512; // a power of two: 5.12 s per round at 10 ms

  private final long tickNanos;
  private final long origin = System.nanoTime();
  private final Bucket[] wheel = new Bucket[WHEEL_SIZE];
  private final ConcurrentLinkedQueue<Timer> incoming = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Timer> cancelled = new ConcurrentLinkedQueue<>();
  private final Thread worker;
  private volatile boolean idle;
  private volatile boolean closed;

  // worker thread only
  private long tick;
  private int pending;

  TimingWheelScheduler(String threadName, Duration tick) {
    this.tickNanos = tick.toNanos();
    for (int i = 0; i < WHEEL_SIZE; i++) {
      wheel[i] = new Bucket();
    }
    this.worker = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this::run);
    worker.start();
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    Timer timer = new Timer(dueAt(System.nanoTime(), delay), task);
    incoming.add(timer);
    if (idle) {
      LockSupport.unpark(worker);
    }
    return timer;
  }

  /** {@code now + delay}, saturating: a delay of centuries must not wrap round into the past. */
  static long dueAt(long now, Duration delay) {
    long nanos;
    try {
      nanos = Math.max(0, delay.toNanos());
    } catch (ArithmeticException tooLong) {
      nanos = delay.isNegative() ? 0 : Long.MAX_VALUE;
    }
    return nanos > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos;
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(worker);
  }

  private void run() {
    while (!closed) {
      if (pending == 0 && incoming.isEmpty()) {
        idle = true;
        if (incoming.isEmpty() && !closed) { // re-check: a schedule() may have missed the flag
          LockSupport.park(this);
        }
        idle = false;
        cancelled.clear(); // none of them is in the wheel
        tick = Math.max(tick, (System.nanoTime() - origin) / tickNanos);
        continue;
      }
      long tickEnd = origin + (tick + 1) * tickNanos;
      long wait;
      while ((wait = tickEnd - System.nanoTime()) > 0 && !closed) {
        LockSupport.parkNanos(this, wait);
      }
      transferIncoming();
      removeCancelled();
      expire(wheel[(int) (tick & (WHEEL_SIZE - 1))]);
      tick++;
    }
  }

  private void transferIncoming() {
    Timer t;
    while ((t = incoming.poll()) != null) {
      if (!t.isPending()) {
        continue;
      }
      long dueTick = Math.max(tick, (t.due - origin) / tickNanos);
      t.rounds = (dueTick - tick) / WHEEL_SIZE;
      wheel[(int) (dueTick & (WHEEL_SIZE - 1))].add(t);
      pending++;
    }
  }

  /** Unlinks called-off timers at once, so a cancelled timeout does not linger for a round. */
  private void removeCancelled() {
    Timer t;
    while ((t = cancelled.poll()) != null) {
      if (t.bucket != null) {
        t.bucket.remove(t);
        pending--;
      }
    }
  }

  private void expire(Bucket bucket) {
    Timer t = bucket.head;
    while (t != null) {
      Timer next = t.next;
      if (t.rounds > 0) {
        t.rounds--;
      } else {
        bucket.remove(t);
        pending--;
        Runnable task = t.task;
        if (t.claim()) {
          try {
            task.run();
          } catch (RuntimeException | Error e) {
            log.error("timer task failed", e);
          }
        }
      }
      t = next;
    }
  }

  /** A doubly linked list of timers: O(1) unlinking by the worker. */
  private static final class Bucket {
    Timer head;

    void add(Timer t) {
      t.bucket = this;
      t.next = head;
      if (head != null) {
        head.prev = t;
      }
      head = t;
    }

    void remove(Timer t) {
      if (t.prev != null) {
        t.prev.next = t.next;
      } else {
        head = t.next;
      }
      if (t.next != null) {
        t.next.prev = t.prev;
      }
      t.prev = null;
      t.next = null;
      t.bucket = null;
    }
  }

  private final class Timer implements Cancellable {
    private static final int PENDING = 0;
    private static final int RAN = 1;
    private static final int CANCELLED = 2;
    private static final VarHandle STATE;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(Timer.class, "state", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final long due;
    Runnable task; // dropped on cancel, so what it captured can be collected at once
    private volatile int state; // a field, not an AtomicInteger: one object less per timer
    // worker thread only
    long rounds;
    Bucket bucket;
    Timer prev;
    Timer next;

    Timer(long due, Runnable task) {
      this.due = due;
      this.task = task;
    }

    boolean isPending() {
      return state == PENDING;
    }

    boolean claim() {
      return STATE.compareAndSet(this, PENDING, RAN);
    }

    @Override
    public boolean cancel() {
      if (!STATE.compareAndSet(this, PENDING, CANCELLED)) {
        return false;
      }
      task = null;
      cancelled.add(this);
      return true;
    }
  }
}
