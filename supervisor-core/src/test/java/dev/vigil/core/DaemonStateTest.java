package dev.vigil.core;

import static dev.vigil.core.DaemonState.BACKOFF;
import static dev.vigil.core.DaemonState.FAILED;
import static dev.vigil.core.DaemonState.RUNNING;
import static dev.vigil.core.DaemonState.STARTING;
import static dev.vigil.core.DaemonState.STOPPED;
import static dev.vigil.core.DaemonState.STOPPING;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class DaemonStateTest {

  /**
   * The transition table, written out by hand from DESIGN.md §2 and the diagram in DaemonState's
   * javadoc (not derived from {@code successors()}): rows are the current state, columns the next
   * one, in the order STARTING, RUNNING, STOPPING, STOPPED, BACKOFF, FAILED.
   */
  private static final String[] TABLE = {
    //           STARTING RUNNING STOPPING STOPPED BACKOFF FAILED
    "STARTING    -        x       x        x       x       x",
    "RUNNING     -        -       x        x       x       x",
    "STOPPING    -        -       -        x       -       -",
    "STOPPED     x        -       -        -       -       -",
    "BACKOFF     x        -       -        x       -       -",
    "FAILED      -        -       -        x       -       -",
  };

  static Stream<Arguments> everyPair() {
    Stream.Builder<Arguments> rows = Stream.builder();
    for (String line : TABLE) {
      String[] cells = line.trim().split("\\s+");
      DaemonState from = DaemonState.valueOf(cells[0]);
      for (DaemonState to : DaemonState.values()) {
        rows.add(Arguments.of(from, to, cells[1 + to.ordinal()].equals("x")));
      }
    }
    return rows.build();
  }

  @Test
  void theTableCoversEveryPairOfStates() {
    assertThat(everyPair()).hasSize(DaemonState.values().length * DaemonState.values().length);
    assertThat(DaemonState.values())
        .containsExactly(STARTING, RUNNING, STOPPING, STOPPED, BACKOFF, FAILED);
  }

  @ParameterizedTest(name = "{0} -> {1} legal: {2}")
  @MethodSource("everyPair")
  void canMoveToFollowsTheTable(DaemonState from, DaemonState to, boolean legal) {
    assertThat(from.canMoveTo(to)).isEqualTo(legal);
    assertThat(from.successors().contains(to)).isEqualTo(legal);
  }

  @ParameterizedTest
  @EnumSource(DaemonState.class)
  void noStateMovesToItself(DaemonState state) {
    assertThat(state.canMoveTo(state)).isFalse();
  }

  @ParameterizedTest
  @EnumSource(DaemonState.class)
  void everyStateIsReachableFromStoppedAndCanGetBackToStopped(DaemonState state) {
    assertThat(reachable(STOPPED)).contains(state);
    assertThat(reachable(state)).contains(STOPPED);
  }

  @Test
  void onlyStartingRunningAndStoppingAreActive() {
    assertThat(EnumSet.allOf(DaemonState.class).stream().filter(DaemonState::isActive))
        .containsExactlyInAnyOrder(STARTING, RUNNING, STOPPING);
  }

  @Test
  void onlyFailedIsTerminalAndItsOnlyWayOutIsStopped() {
    assertThat(EnumSet.allOf(DaemonState.class).stream().filter(DaemonState::isTerminal))
        .containsExactly(FAILED);
    assertThat(FAILED.successors()).containsExactly(STOPPED);
  }

  @Test
  void onlyCrashesLeadToBackoffOrFailed() {
    for (DaemonState s : DaemonState.values()) {
      boolean mayCrash = s == STARTING || s == RUNNING;
      assertThat(s.canMoveTo(BACKOFF)).as("%s -> BACKOFF", s).isEqualTo(mayCrash);
      assertThat(s.canMoveTo(FAILED)).as("%s -> FAILED", s).isEqualTo(mayCrash);
    }
  }

  @Test
  void successorsCannotBeModified() {
    Set<DaemonState> next = STOPPED.successors();
    try {
      next.add(RUNNING);
    } catch (UnsupportedOperationException expected) {
      // immutable is fine too
    }
    assertThat(STOPPED.canMoveTo(RUNNING)).isFalse();
  }

  @ParameterizedTest
  @EnumSource(DaemonState.class)
  void wireNameIsTheLowerCaseName(DaemonState state) {
    assertThat(state.wireName()).isEqualTo(state.name().toLowerCase(java.util.Locale.ROOT));
  }

  @Test
  void wireNamesAsTheyAppearOnTheWire() {
    assertThat(Stream.of(DaemonState.values()).map(DaemonState::wireName))
        .containsExactly("starting", "running", "stopping", "stopped", "backoff", "failed");
  }

  private static Set<DaemonState> reachable(DaemonState from) {
    Set<DaemonState> seen = EnumSet.of(from);
    ArrayDeque<DaemonState> todo = new ArrayDeque<>(seen);
    while (!todo.isEmpty()) {
      for (DaemonState next : todo.pop().successors()) {
        if (seen.add(next)) {
          todo.push(next);
        }
      }
    }
    return seen;
  }
}
