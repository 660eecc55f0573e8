@lifecycle
Feature: Lifecycle
  In spawn mode the parent binds 127.0.0.1 on a free port and starts the child with COMLINK_ZMQ_PORT and
  COMLINK_WORKER_MODE=1, without a shell; the child connects its ROUTER to that port. Stopping is SHUTDOWN,
  a grace period, SIGTERM, then SIGKILL; a child exits 0 on SHUTDOWN, SIGTERM and SIGINT. A parent notices a
  crash at once, rejects what was pending and, with autoRestart, starts the child again.

  @internal @must @MF-LIFE-1 @MF-SEC-1
  Scenario: A parent binds loopback and spawns the child with the spawn-mode environment, without a shell
    Given a TypeScript parent runs the kit's child
    Then the parent bound a free port on 127.0.0.1
    And the child was launched with COMLINK_ZMQ_PORT set to that port and COMLINK_WORKER_MODE set to "1"
    And the child was launched from an argv, not through a shell

  @child @must @MF-LIFE-2
  Scenario Outline: A worker given COMLINK_ZMQ_PORT=<value> exits with status 1 and a FATAL line
    Given the worker is started with COMLINK_ZMQ_PORT set to "<value>"
    Then the worker exits with status 1
    And the worker wrote a line starting with "FATAL:" to its stderr

    Examples:
      | value       |
      | not-a-port  |
      | 80          |
      | 1023        |
      | 65536       |
      | 12.5        |

  @child @should @MF-LIFE-11 @MF-LIFE-3 @fresh-worker
  Scenario: The worker answers the very first message, sent as soon as it is started
    Given the worker is running
    When the kit sends a HEARTBEAT in the run's profile
    Then the worker echoes it with the same id in the same profile

  @child @must @MF-LIFE-6 @fresh-worker
  Scenario: A worker that receives SHUTDOWN exits with status 0
    Given the worker is running
    And the worker was started by the kit
    And the worker has answered a call
    When the kit sends SHUTDOWN
    Then the worker exits with status 0

  @child @must @MF-LIFE-7 @fresh-worker
  Scenario Outline: A worker that receives <signal> exits with status 0
    Given the worker is running
    And the worker was started by the kit
    And the worker has answered a call
    When the kit sends the worker <signal>
    Then the worker exits with status 0

    Examples:
      | signal  |
      | SIGTERM |
      | SIGINT  |

  @child @must @MF-SVC-1 @fresh-worker
  Scenario: crash exits at once with the given status, without replying
    Given the worker is running
    And the worker was started by the kit
    And the worker has answered a call
    When the kit calls "crash" with [7]
    Then the worker exits with status 7
    And the kit received no reply to the crash call

  @internal @must @MF-LIFE-4
  Scenario: Stop sends SHUTDOWN, waits the grace period, then SIGTERM, then SIGKILL
    Given a TypeScript parent with a stop grace of 300 ms and a SIGTERM wait of 300 ms runs the kit's child
    And the kit's child ignores SHUTDOWN and SIGTERM
    When the parent stops
    Then the kit's child received SHUTDOWN, then SIGTERM 300 ms later, then SIGKILL 300 ms after that

  @internal @must @MF-LIFE-4
  Scenario: The default grace period is 2 s
    Given a TypeScript parent with default stop options runs the kit's child on the simulator
    And the kit's child ignores SHUTDOWN and SIGTERM
    When the parent stops
    Then the kit's child received SHUTDOWN, then SIGTERM 2000 ms later, then SIGKILL 2000 ms after that

  @internal @must @MF-LIFE-5
  Scenario: Stop rejects every pending call exactly once
    Given a TypeScript parent runs the kit's child
    And the kit's child never answers calls
    When the parent makes 3 calls
    And the parent stops
    Then each call was rejected exactly once with code "MF_WORKER_STOPPED"
    And the parent has no call in flight
    And the kit's child was told to SHUTDOWN and exited

  @internal @must @MF-LIFE-8 @MF-CB-3
  Scenario: A crash is detected at once and the pending calls are rejected
    Given a TypeScript parent and the reference worker on the simulator
    When the parent calls "sleep" with [60000]
    And the child crashes with status 7
    Then the call fails with code "MF_WORKER_STOPPED" saying it may have run
    And the parent reported that the child exited with status 7 within 10 ms of virtual time
    And the breaker counted 1 consecutive failure

  @internal @must @MF-LIFE-9
  Scenario: With autoRestart the child is started again and serves
    Given a TypeScript parent with autoRestart and the reference worker on the simulator
    When the child crashes with status 3
    Then the parent reports that the child was restarted
    And the parent still serves: "add" with [2, 2] gives 4
    And the child has a new process id

  @internal @must @MF-LIFE-10
  Scenario: A child that exits before it is ready fails the start with its status and stderr
    Given a TypeScript parent of the simulated program "broken-start"
    When the parent starts
    Then the start fails with code "MF_SPAWN", exit status 3 and "configuration missing" from stderr

  @internal @must @MF-LIFE-12 @MF-LIFE-7
  Scenario: Connect mode: the service registers, a parent discovers and calls it, SIGTERM unregisters it
    Given the reference worker runs as service "math" on the simulator
    When a TypeScript parent connects to service "math"
    Then the parent still serves: "add" with [20, 22] gives 42
    When the parent stops
    Then service "math" is still registered
    When the service receives SIGTERM
    Then the service exits with status 0 and is no longer registered
