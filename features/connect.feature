@child @connect
Feature: Connect mode and the service registry, checked on the worker from outside
  Started with MULTIFROST_SERVICE_ID=<id> in its environment (and no COMLINK_ZMQ_PORT or COMLINK_WORKER_MODE),
  a conformance worker binds its ROUTER on 127.0.0.1 on a free port, registers <id> in
  $MULTIFROST_HOME/services.json, serves the conformance service there, and on SHUTDOWN, SIGTERM or SIGINT
  unregisters and exits 0 (MF-SVC-2). The kit starts your worker that way itself, in a fresh temporary
  MULTIFROST_HOME for every scenario, and checks from outside, with plain file operations and its own
  registry code, what your worker does with the registry: the entry, the modes, the lock (complete when it
  appears, broken only under its claim, aged either way), other services' entries, a file that is not JSON,
  names that are not regular files, and a race against the kit's own writer.
  Against a running service (--service) only the read-only checks of its entry run; the others are
  skipped with the reason. On the simulator they are all skipped (connect mode needs real files).
  The start-up time a worker gets to register is twice the step timeout (10 s by default).

  @must @MF-SVC-2 @MF-LIFE-12 @MF-REG-1 @MF-REG-2
  Scenario: A worker in connect mode registers its port, its pid and its start time, and serves on that port
    Given the worker runs in connect mode and has registered
    Then its entry holds an integer port, the worker's pid and its start time in ISO 8601 UTC
    And a kit DEALER connected to 127.0.0.1 on the registered port gets "echo" answered

  @must @MF-REG-11
  Scenario: The registry directory has mode 0700 and services.json mode 0600
    Given the worker runs in connect mode and has registered
    Then the registry directory has mode 0700 and services.json has mode 0600

  @must @MF-SEC-1 @MF-LIFE-12
  Scenario: A worker in connect mode listens on 127.0.0.1 only
    Given the worker runs in connect mode and has registered
    Then the socket listening on the registered port is bound to 127.0.0.1, not to every interface

  @must @MF-REG-3 @MF-REG-5 @MF-REG-13
  Scenario: A worker does not write the registry while another process holds the lock, and registers once it is released
    Given a fresh MULTIFROST_HOME where the kit holds services.lock with its own live pid
    When the kit starts the worker in connect mode
    Then for 1500 ms after the worker listens, services.json is not written and the kit's lock is left alone
    When the kit removes its lock
    Then the worker registers within 2000 ms
    And every look at services.lock while the worker took it found a pid on its first line

  @must @MF-REG-4
  Scenario Outline: A stale lock is broken: <why>
    Given a fresh MULTIFROST_HOME where services.lock holds <holder> and was last modified <when>
    When the kit starts the worker in connect mode
    Then the worker registers within the start-up time
    And the stale lock is gone

    Examples:
      | why                           | holder                       | when     |
      | its owner is dead             | the pid of a dead process    | 0 s ago  |
      | it is older than 10 s         | the kit's own live pid       | 30 s ago |

    @MF-REG-16
    Examples:
      | why                            | holder                 | when               |
      | it is dated 30 s in the future | the kit's own live pid | 30 s in the future |

  @must @MF-REG-14 @MF-REG-3 @MF-REG-4
  Scenario: A stale lock is left alone while another process holds its claim, and broken once the claim is gone
    Given a fresh MULTIFROST_HOME where services.lock holds the pid of a dead process and the kit holds its claim
    When the kit starts the worker in connect mode
    Then for 1500 ms after the worker listens, services.json is not written and the claimed lock is left alone
    When the kit removes its claim
    Then the worker registers within 2000 ms
    And the stale lock is gone

  @must @MF-REG-15
  Scenario Outline: <what> at <name> makes the worker fail at once, never hang or spin
    Given a fresh MULTIFROST_HOME where <name> is <what>
    When the kit starts the worker in connect mode
    Then within 3000 ms the worker exits with a non-zero status or reports an error, and <name> is still <what>

    Examples:
      | what                     | name          |
      | a dangling symbolic link | services.lock |
      | a FIFO                   | services.lock |
      | a FIFO                   | services.json |

  @must @MF-LIFE-6 @MF-LIFE-7 @MF-REG-9
  Scenario Outline: <how> makes a worker in connect mode unregister and exit with status 0
    Given the kit started the worker in connect mode and it has registered
    When the kit stops the worker with <how>
    Then the worker exits with status 0 and its entry is gone from services.json

    Examples:
      | how      |
      | SIGTERM  |
      | SIGINT   |
      | SHUTDOWN |

  @must @MF-REG-9
  Scenario: Entries of other services are kept when the worker registers and unregisters
    Given a fresh MULTIFROST_HOME whose services.json lists a live service, a service of a dead process and one written with "start_time" and an extra key
    When the kit starts the worker in connect mode
    Then the worker registers within the start-up time
    And the other services' entries are all still there, unchanged
    When the kit stops the worker with SIGTERM
    Then the worker has exited
    And the other services' entries are all still there, unchanged

  @should @MF-REG-12
  Scenario: An entry with a wrong-typed field is kept intact when the worker registers and unregisters
    Given a fresh MULTIFROST_HOME whose services.json lists a live service whose port is the string "40004"
    When the kit starts the worker in connect mode
    Then the worker registers within the start-up time
    And the other services' entries are all still there, unchanged
    When the kit stops the worker with SIGTERM
    Then the worker has exited
    And the other services' entries are all still there, unchanged

  @must @MF-REG-8
  Scenario: An id held by a live process is refused, never overwritten
    Given a fresh MULTIFROST_HOME whose services.json lists the worker's id for the kit's own live pid
    When the kit starts the worker in connect mode
    Then the worker refuses the id: it exits with a non-zero status or reports an error, and the entry is unchanged

  @must @MF-REG-8
  Scenario: An id held by a dead process is taken over
    Given a fresh MULTIFROST_HOME whose services.json lists the worker's id for a dead process
    When the kit starts the worker in connect mode
    Then the worker registers within the start-up time, replacing the dead process's entry

  @must @MF-REG-7
  Scenario: A services.json that is not valid JSON is moved aside, never overwritten
    Given a fresh MULTIFROST_HOME whose services.json holds the text {"billing": {"port": 55
    When the kit starts the worker in connect mode
    Then within the start-up time the worker registers or exits
    And the original bytes of services.json are kept in another file of the registry directory

  @should @MF-REG-17
  Scenario: What dead writers left in the registry directory is removed when the worker registers, and nothing else
    Given a fresh MULTIFROST_HOME holding a dead writer's temporary registry file, temporary lock file and claim, a live process's temporary registry file and a file of another program
    When the kit starts the worker in connect mode
    Then the worker registers within the start-up time
    And the dead writer's temporary files and claim are gone, and the live process's file and the other program's file are kept

  @must @MF-REG-3 @MF-REG-6 @MF-REG-9
  Scenario: Workers and the kit's registry writer race on one registry, and no entry is lost
    Given a fresh MULTIFROST_HOME
    When 3 workers start in connect mode while the kit's writer registers and unregisters its own 12 ids at least 200 times
    And the kit stops every worker with SIGTERM once all have registered, while its writer goes on
    Then every read of services.json during the race saw a whole JSON object
    And no entry was lost: each running worker's entry was there while it ran, and each kit id is as the kit left it
    And every stopped worker exited with status 0 and its entry is gone
