package dev.vigil.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
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
  private final ArrayList<Timer>[] wheel;
  private final ConcurrentLinkedQueue<Timer> incoming = new ConcurrentLinkedQueue<>();
  private final Thread worker;
  private volatile boolean idle;
  private volatile boolean closed;

  // worker thread only
  private long tick;
  private int pending;

  @SuppressWarnings("unchecked")
  TimingWheelScheduler(String threadName, Duration tick) {
    this.tickNanos = tick.toNanos();
    this.wheel = new ArrayList[WHEEL_SIZE];
    for (int i = 0; i < WHEEL_SIZE; i++) {
      wheel[i] = new ArrayList<>();
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
        tick = Math.max(tick, (System.nanoTime() - origin) / tickNanos);
        continue;
      }
      long tickEnd = origin + (tick + 1) * tickNanos;
      long wait;
      while ((wait = tickEnd - System.nanoTime()) > 0 && !closed) {
        LockSupport.parkNanos(this, wait);
      }
      transferIncoming();
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

  private void expire(ArrayList<Timer> bucket) {
    for (int i = bucket.size() - 1; i >= 0; i--) {
      Timer t = bucket.get(i);
      boolean remove;
      if (!t.isPending()) {
        remove = true;
      } else if (t.rounds > 0) {
        t.rounds--;
        remove = false;
      } else {
        remove = true;
        if (t.claim()) {
          try {
            t.task.run();
          } catch (RuntimeException | Error e) {
            log.error("timer task failed", e);
          }
        }
      }
      if (remove) {
        int last = bucket.size() - 1;
        bucket.set(i, bucket.get(last));
        bucket.remove(last);
        pending--;
      }
    }
  }

  private static final class Timer implements Cancellable {
    static final int PENDING = 0;
    static final int RAN = 1;
    static final int CANCELLED = 2;

    private static final VarHandle STATE;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(Timer.class, "state", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final long due;
    final Runnable task;
    private volatile int state; // a field, not an AtomicInteger: one object less per timer
    long rounds; // worker thread only

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
      return STATE.compareAndSet(this, PENDING, CANCELLED);
    }
  }
}
