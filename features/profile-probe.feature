@profile-probe
Feature: A TypeScript parent picks its profile by probing
  With no `profile` option the TypeScript ParentWorker sends its readiness HEARTBEAT in v3 and, right behind it,
  in v4, and speaks the profile of the first echo from then on: v3 for a child that accepts both (it answers
  the messages of one connection in order) or is strict to v3, v4 for a child strict to v4, as every deployed
  port is. It probes again after every restart. The `profile` option pins one profile, and then no probe of
  the other is sent. A child that answers neither fails start() with an error naming both probes.

  These scenarios run the TypeScript parent and the reference worker on the simulator (virtual time); the
  reference worker is made strict with MULTIFROST_PROFILE, as the reference peers are.

  @internal @must @MF-PROF-6 @MF-PROF-7 @MF-PROF-2
  Scenario Outline: A default parent probes, then speaks the profile the child answered: a child accepting <accepts>
    Given a TypeScript parent with no profile pinned and heartbeats every 100 ms runs the reference worker accepting <accepts>
    Then the parent's first messages were a readiness HEARTBEAT in v3, then one in v4
    And the parent reports profile <profile> as chosen by the probe
    When the parent calls "add" with [1, 2] and gets 3
    And 300 ms of virtual time pass
    Then every message the parent sent after the probes carries the app id of <profile>
    And the parent reported no dropped message

    Examples:
      | accepts | profile |
      | v3      | v3      |
      | v4      | v4      |
      | both    | v3      |

  @internal @must @MF-PROF-7 @MF-PROF-2
  Scenario: A parent pinned to a profile sends one readiness HEARTBEAT, in that profile only
    Given a TypeScript parent pinned to v4 runs the reference worker accepting v4
    Then the parent's first message was a readiness HEARTBEAT in v4, and no HEARTBEAT in v3 followed
    And the parent reports profile v4 as pinned
    And the parent still serves: "add" with [1, 2] gives 3

  @internal @must @MF-PROF-6 @MF-PROF-7
  Scenario: A worker that answers neither probe fails start() with an error naming both
    Given a TypeScript parent with no profile pinned and a ready timeout of 2000 ms, of the simulated program "deaf"
    When the parent starts
    Then the start fails with a ProfileProbeError naming the probes v3 and v4 and the profile option
    And the error carries exit status none and "speaking comlink_ipc_v9 only" from stderr

  @internal @must @MF-PROF-6 @MF-PROF-7
  Scenario: A worker that exits before it answers either probe: the error carries its exit status and stderr
    Given a TypeScript parent with no profile pinned and a ready timeout of 2000 ms, of the simulated program "broken-start"
    When the parent starts
    Then the start fails with a ProfileProbeError naming the probes v3 and v4 and the profile option
    And the error carries exit status 3 and "FATAL: cannot start" from stderr

  @internal @must @MF-PROF-6 @MF-PROF-7
  Scenario: After a restart the parent probes the new child again
    Given a TypeScript parent with no profile pinned and autoRestart runs the reference worker accepting v4
    When the parent calls "crash" with [1]
    Then the parent reports that the child was restarted
    And the parent probed the new child with a readiness HEARTBEAT in v3, then one in v4
    And the parent reports profile v4 as chosen by the probe, twice
    And the parent still serves: "add" with [1, 2] gives 3

  @internal @must @MF-PROF-6 @MF-PROF-7
  Scenario: In connect mode the parent probes the running service
    Given the reference worker accepting v4 runs as service "probe-me" on the simulator
    When a TypeScript parent with no profile pinned connects to service "probe-me"
    Then the parent's first messages were a readiness HEARTBEAT in v3, then one in v4
    And the parent reports profile v4 as chosen by the probe
    And the parent still serves: "add" with [1, 2] gives 3
