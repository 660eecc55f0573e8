Feature: A parent, checked from outside through its driver
  The kit checks a parent implementation through its driver (spec section 14): the driver spawns the kit's
  instrumented child (or connects to it as a service), the kit writes call lines to the driver and reads its
  answers and events, and the child logs what the parent sent and did (frames, messages, signals, the
  process chain above it) and provokes on cue (late replies, missing or late heartbeat echoes, ignoring
  SHUTDOWN and SIGTERM, crashing). Scenarios that need an optional capability are skipped, with the reason,
  when the driver's hello line does not declare it.

  @parent @must @MF-DRV-1 @MF-DRV-2
  Scenario: A parent driver follows the driver contract
    Given the parent driver runs the kit's child
    When the kit sends the driver the calls
      | seq | function | args                               |
      | 1   | add      | [2, 40]                            |
      | 2   | fail     | ["driver error"]                   |
      | 3   | echo     | [{"$bin": "00ff"}]                 |
      | 4   | nothing  | []                                 |
      | 5   | echo     | [{"$int": "18446744073709551615"}] |
    And the kit tells the driver to stop
    Then the driver answers
      | seq | ok    | result                           | kind   |
      | 1   | true  | 42                               |        |
      | 2   | false |                                  | remote |
      | 3   | true  | {"$bin": "00ff"}                 |        |
      | 4   | true  | null                             |        |
      | 5   | true  | {"$int": "18446744073709551615"} |        |
    And every call was answered exactly once
    And the driver prints the stopped event and exits with status 0

  @parent @must @MF-FRAME-1 @MF-PROF-2 @MF-MSG-2 @MF-PROF-1 @MF-MSG-3
  Scenario: A parent sends every message as [empty, payload], with the core fields, of a defined type, in its one profile
    Given the parent driver runs the kit's child
    When the kit sends the driver the calls
      | seq | function | args   |
      | 1   | add      | [1, 2] |
    And the driver has answered call 1
    And the kit tells the driver to stop
    Then the driver prints the stopped event and exits with status 0
    And every message the kit's child received had 3 frames, an empty delimiter and the app id of the profile
    And every message the kit's child received carries the core fields

  @parent @must @MF-CALL-1 @MF-CALL-14
  Scenario: A parent sends args as an array, positional and in order, and an empty array when there are none
    Given the parent driver runs the kit's child
    When the kit sends the driver the calls
      | seq | function | args                 |
      | 1   | echo     | [1, "two", [3]]      |
      | 2   | nothing  | <none>               |
    Then the kit's child received the CALL to "echo" with args [1, "two", [3]]
    And the kit's child received the CALL to "nothing" with args []

  @parent @must @MF-VAL-2 @MF-VAL-4 @MF-VAL-5 @MF-VAL-9 @MF-VAL-10 @MF-VAL-11
  Scenario: A parent sends each argument in its msgpack type and reads each value of the reply unchanged
    Integers go in their smallest format (unsigned when not negative) up to uint64 and down to int64, other
    numbers as float64, bin as bin, strings as they are (a character beyond U+FFFF included), and a map key
    __proto__ is an ordinary key. The kit's child echoes the argument back; the driver's result must be it.

    Given the parent driver runs the kit's child
    When the kit sends the driver the calls
      | seq | function | args |
      | 1   | echo     | [[0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, {"$int": "18446744073709551615"}, {"$int": "-9223372036854775808"}, {"$int": "9007199254740993"}, 1.5, -0.25, 1e300, 5e-324, "", "caf\u00e9 \ud83d\ude00", {"$bin": ""}, {"$bin": "00ff10"}, [[], {}], {"__proto__": 1, "__proto_": 2, "constructor": 3}]] |
    Then the kit's child received call 1 with each argument in its msgpack type and value
    And the driver gives back the argument of call 1 as the result, unchanged

  @parent @must @MF-VAL-1
  Scenario: A parent sends NaN, Infinity and -Infinity as nil, at any depth
    The driver is asked for non-finite floats with the tagged JSON input {"$float": "NaN"}; the kit's child reads
    the CALL's bytes, so a float NaN shows even where the driver would print it as null.

    Given the parent driver runs the kit's child
    When the kit sends the driver the calls
      | seq | function | args |
      | 1   | echo     | [[{"$float": "NaN"}, [{"$float": "Infinity"}], {"x": {"$float": "-Infinity"}}, 1.5]] |
    Then the kit's child received call 1 with each argument in its msgpack type and value
    And the driver answers
      | seq | ok   | result                            |
      | 1   | true | [null, [null], {"x": null}, 1.5] |

  @parent @must @MF-MSG-7
  Scenario: A parent sends the client name under client_name
    Given the parent driver has the capability "client-name"
    And the driver's environment sets
      | MULTIFROST_CLIENT_NAME | kit-client |
    And the parent driver runs the kit's child
    When the kit sends the driver the calls
      | seq | function | args   |
      | 1   | add      | [1, 2] |
    And the driver has answered call 1
    Then every CALL the kit's child received carries "client_name" = "kit-client" and none carries "clientName"

  @parent @must @MF-LIFE-1 @MF-SEC-1
  Scenario: A parent binds loopback, sets the spawn-mode environment and spawns the child without a shell
    Given the parent driver runs the kit's child
    When the kit sends the driver the calls
      | seq | function | args   |
      | 1   | add      | [1, 2] |
    And the driver has answered call 1
    Then the kit's child was started with COMLINK_ZMQ_PORT and COMLINK_WORKER_MODE=1, and connected to that port on 127.0.0.1
    And the kit's child runs the exact argv the driver was given, and its parent process is no shell

  @parent @must @MF-CALL-13
  Scenario: A call whose reply comes late times out, says so, and the late reply is ignored
    Given the parent driver has the capability "per-call-timeout"
    And the parent driver runs the kit's child misbehaving as "wrong-id=sleep"
    When the kit sends the driver the calls
      | seq | function | args  | timeout_ms |
      | 1   | sleep    | [0]   | 400        |
      | 2   | add      | [2, 3] |           |
    Then the driver answers
      | seq | ok    | result | kind    |
      | 1   | false |        | timeout |
      | 2   | true  | 5      |         |
    When the kit tells the driver to stop
    Then the driver prints the stopped event and exits with status 0
    And every call was answered exactly once

  @parent @must @MF-CALL-13
  Scenario: A call times out after the default timeout, and its late reply is ignored
    Given the driver's environment sets
      | MULTIFROST_CALL_TIMEOUT_MS | 500 |
    And the parent driver runs the kit's child misbehaving as "delay=1500"
    When the kit sends the driver the calls
      | seq | function | args   |
      | 1   | add      | [1, 2] |
    Then the driver answers
      | seq | ok    | result | kind    |
      | 1   | false |        | timeout |
    When the kit tells the driver to stop
    Then the driver prints the stopped event and exits with status 0
    And every call was answered exactly once

  @parent @must @MF-CALL-12 @MF-CALL-13
  Scenario: A parent ignores a reply with an unknown id, and the call times out
    Given the parent driver has the capability "per-call-timeout"
    And the parent driver runs the kit's child misbehaving as "wrong-id=echo"
    When the kit sends the driver the calls
      | seq | function | args   | timeout_ms |
      | 1   | echo     | ["x"]  | 500        |
      | 2   | add      | [1, 2] |            |
    Then the driver answers
      | seq | ok    | result | kind    |
      | 1   | false |        | timeout |
      | 2   | true  | 3      |         |
    And every call was answered exactly once

  @parent @must @MF-CALL-6
  Scenario: A parent reads a RESPONSE without `result` as nil
    Given the parent driver runs the kit's child misbehaving as "void-without-result"
    When the kit sends the driver the calls
      | seq | function | args |
      | 1   | nothing  | []   |
    Then the driver answers
      | seq | ok   | result |
      | 1   | true | null   |

  @parent @must @MF-LIFE-10
  Scenario: A child that exits before it is ready fails the start, with its exit status and the tail of its stderr
    Given the parent driver runs the kit's child provoked with "exit-at-start=7"
    Then the driver reports a failed start within 5000 ms naming the exit status 7 and the child's stderr line
    And the driver exits with status 1

  @parent @must @MF-LIFE-8
  Scenario: A parent rejects a pending call at once when the child crashes
    Given the parent driver runs the kit's child misbehaving as "crash-after=2"
    When the kit sends the driver the calls
      | seq | function | args   |
      | 1   | add      | [1, 2] |
    And the driver has answered call 1
    And the kit sends the driver the call
      | seq | function | args   | timeout_ms |
      | 2   | add      | [3, 4] | 60000      |
    Then call 2 was answered within 3000 ms of the kit's child exiting

  @parent @must @MF-LIFE-5
  Scenario: Stop rejects every pending call exactly once
    Given the parent driver runs the kit's child
    When the kit sends the driver the calls
      | seq | function | args    | timeout_ms |
      | 1   | sleep    | [30000] | 60000      |
    And the kit tells the driver to stop at once
    Then the driver answers
      | seq | ok    | kind  |
      | 1   | false | other |
    And the driver prints the stopped event and exits with status 0
    And every call was answered exactly once

  @parent @must @MF-LIFE-4
  Scenario: Stop sends SHUTDOWN, and a child that obeys exits by itself
    Given the parent driver runs the kit's child
    When the kit sends the driver the calls
      | seq | function | args   |
      | 1   | add      | [1, 2] |
    And the driver has answered call 1
    And the kit tells the driver to stop
    Then the driver prints the stopped event and exits with status 0
    And the kit's child received SHUTDOWN and exited 0 without a signal

  @parent @must @MF-LIFE-4
  Scenario: Stop sends SHUTDOWN, waits the grace period, then SIGTERM, then SIGKILL to the child's process group
    Given the parent driver has the capability "stop-grace"
    And the driver's environment sets
      | MULTIFROST_STOP_GRACE_MS | 600 |
    And the parent driver runs the kit's child provoked with "ignore-shutdown,ignore-sigterm,grandchild"
    When the kit sends the driver the calls
      | seq | function | args   |
      | 1   | add      | [1, 2] |
    And the driver has answered call 1
    And the kit tells the driver to stop
    Then the kit's child received SHUTDOWN first, then SIGTERM about 600 ms later, then it and its process group were killed

  @parent @must @MF-HB-2 @MF-HB-3 @MF-HB-6 @MF-HB-8
  Scenario: A parent sends heartbeats at its interval, carrying the send time in the profile's encoding
    Given the parent driver has the capability "heartbeat"
    And the driver's environment sets
      | MULTIFROST_HEARTBEAT_INTERVAL_MS | 200  |
      | MULTIFROST_HEARTBEAT_TIMEOUT_MS  | 2000 |
    And the parent driver runs the kit's child
    When the kit sends the driver the calls
      | seq | function | args   |
      | 1   | add      | [1, 2] |
    And the kit's child has received 4 heartbeats from the driver's parent
    Then each heartbeat carries its send time in the profile's encoding
    And the heartbeats arrive about every 200 ms

  @parent @must @MF-HB-5 @MF-HB-7
  Scenario: A parent measures heartbeat round trips in milliseconds, and a slow echo within the timeout is no miss
    Given the parent driver has the capability "heartbeat"
    And the driver's environment sets
      | MULTIFROST_HEARTBEAT_INTERVAL_MS | 200  |
      | MULTIFROST_HEARTBEAT_TIMEOUT_MS  | 2000 |
    And the parent driver runs the kit's child provoked with "delay-heartbeats=300"
    When the kit sends the driver the calls
      | seq | function | args   |
      | 1   | add      | [1, 2] |
    Then the driver reports heartbeat round trips of about 300 ms
    And the driver reports no missed heartbeat

  @parent @must @MF-HB-7
  Scenario: Missing echoes are counted as consecutive misses, each after the timeout, until echoes come back
    Given the parent driver has the capability "heartbeat"
    And the driver's environment sets
      | MULTIFROST_HEARTBEAT_INTERVAL_MS  | 400 |
      | MULTIFROST_HEARTBEAT_TIMEOUT_MS   | 300 |
      | MULTIFROST_HEARTBEAT_MAX_MISSES   | 10  |
    And the parent driver runs the kit's child provoked with "drop-heartbeats=3"
    When the kit sends the driver the calls
      | seq | function | args   |
      | 1   | add      | [1, 2] |
    Then the driver reports missed heartbeats 1 to 3, each no sooner than 300 ms after its heartbeat
    And the driver reports a heartbeat round trip after the misses

  @parent @must @MF-HB-7
  Scenario: An echo later than the timeout is a miss
    Given the parent driver has the capability "heartbeat"
    And the driver's environment sets
      | MULTIFROST_HEARTBEAT_INTERVAL_MS | 300 |
      | MULTIFROST_HEARTBEAT_TIMEOUT_MS  | 200 |
    And the parent driver runs the kit's child provoked with "delay-heartbeats=600"
    When the kit sends the driver the calls
      | seq | function | args   |
      | 1   | add      | [1, 2] |
    Then the driver reports a missed heartbeat

  @parent @must @MF-CALL-1 @MF-CALL-13
  Scenario: A call for another namespace carries it, and the parent's timeout applies
    Given the parent driver has the capability "namespace"
    And the parent driver runs the kit's child
    When the kit sends the driver the calls
      | seq | function | args   | timeout_ms | namespace |
      | 1   | add      | [1, 2] | 500        | elsewhere |
    Then the kit's child received the CALL to "add" with namespace "elsewhere"
    And the driver answers
      | seq | ok    | kind    |
      | 1   | false | timeout |

  @parent @must @MF-CB-1 @MF-CB-2 @MF-CB-4 @MF-CB-5 @MF-CB-6 @MF-CALL-13
  Scenario: The breaker opens after consecutive failures, refuses calls unsent, and a successful probe closes it
    Given the parent driver has the capability "breaker"
    And the driver's environment sets
      | MULTIFROST_BREAKER_THRESHOLD   | 2    |
      | MULTIFROST_BREAKER_COOLDOWN_MS | 1000 |
    And the parent driver runs the kit's child misbehaving as "wrong-id=sleep"
    When the kit sends the driver the calls
      | seq | function | args | timeout_ms |
      | 1   | sleep    | [0]  | 300        |
      | 2   | sleep    | [0]  | 300        |
    Then the driver answers
      | seq | ok    | kind    |
      | 1   | false | timeout |
      | 2   | false | timeout |
    And the driver reports the breaker "open"
    When the kit sends the driver the call
      | seq | function | args      |
      | 3   | echo     | ["unsent"] |
    Then the driver answers
      | seq | ok    | kind         |
      | 3   | false | circuit-open |
    When the kit calls "add" through the driver until the breaker lets a call through
    Then the first call let through came no sooner than 1000 ms after the breaker opened, and succeeded
    And the driver reports the breaker "closed"
    # Checked after the probe: the child logs each CALL as it arrives, in order, so a CALL to "echo" sent while
    # the breaker was open is in its log before the probe's.
    And the kit's child never received a CALL to "echo"

  @parent @must @MF-CB-7
  Scenario: A success while the breaker is closed resets its count of consecutive failures
    Given the parent driver has the capability "breaker"
    And the driver's environment sets
      | MULTIFROST_BREAKER_THRESHOLD   | 2     |
      | MULTIFROST_BREAKER_COOLDOWN_MS | 60000 |
    And the parent driver runs the kit's child misbehaving as "wrong-id=sleep"
    When the kit sends the driver the call
      | seq | function | args | timeout_ms |
      | 1   | sleep    | [0]  | 300        |
    Then the driver answers
      | seq | ok    | kind    |
      | 1   | false | timeout |
    When the kit sends the driver the call
      | seq | function | args   |
      | 2   | add      | [1, 2] |
    Then the driver answers
      | seq | ok   | result |
      | 2   | true | 3      |
    When the kit sends the driver the call
      | seq | function | args | timeout_ms |
      | 3   | sleep    | [0]  | 300        |
    Then the driver answers
      | seq | ok    | kind    |
      | 3   | false | timeout |
    # Two failures, but not consecutive: a breaker that kept counting across the success would be open now.
    When the kit sends the driver the call
      | seq | function | args     |
      | 4   | echo     | ["sent"] |
    Then the driver answers
      | seq | ok   | result |
      | 4   | true | "sent" |

  @parent @must @MF-CB-3
  Scenario: ERROR replies count as breaker failures by default
    Given the parent driver has the capability "breaker"
    And the driver's environment sets
      | MULTIFROST_BREAKER_THRESHOLD   | 2     |
      | MULTIFROST_BREAKER_COOLDOWN_MS | 60000 |
    And the parent driver runs the kit's child
    When the kit sends the driver the call
      | seq | function | args    |
      | 1   | fail     | ["one"] |
    Then the driver answers
      | seq | ok    | kind   |
      | 1   | false | remote |
    When the kit sends the driver the call
      | seq | function | args    |
      | 2   | fail     | ["two"] |
    Then the driver answers
      | seq | ok    | kind   |
      | 2   | false | remote |
    And the driver reports the breaker "open"
    When the kit sends the driver the call
      | seq | function | args      |
      | 3   | echo     | ["unsent"] |
    Then the driver answers
      | seq | ok    | kind         |
      | 3   | false | circuit-open |

  @parent @must @MF-LIFE-9
  Scenario: With auto-restart, a crashed child is started again and serves
    Given the parent driver has the capability "restart"
    And the driver's environment sets
      | MULTIFROST_AUTO_RESTART | 1 |
      | MULTIFROST_MAX_RESTARTS | 3 |
    And the parent driver runs the kit's child
    When the kit sends the driver the calls
      | seq | function | args |
      | 1   | pid      | []   |
    And the driver has answered call 1
    And the kit sends the driver the call
      | seq | function | args |
      | 2   | crash    | [3]  |
    Then the driver reports the child's exit and a restart
    When the kit sends the driver the call
      | seq | function | args |
      | 3   | pid      | []   |
    Then call 3 answers a process id other than call 1's

  @parent @must @MF-LIFE-12 @MF-REG-10
  Scenario: Connect mode: a parent discovers a service by id and calls it
    Given the parent driver has the capability "connect"
    And the kit's child will serve as service "kit-svc" in a fresh registry
    When the kit's child starts serving
    And the parent driver connects to the service
    And the kit sends the driver the calls
      | seq | function | args   |
      | 1   | add      | [20, 22] |
    Then the driver answers
      | seq | ok   | result |
      | 1   | true | 42     |

  @parent @must @MF-REG-1
  Scenario: Connect mode: a parent looks the service up in services.json under MULTIFROST_HOME
    The kit's fresh registry is a temporary directory named by MULTIFROST_HOME; a parent that reads
    ~/.multifrost instead never finds the service there.

    Given the parent driver has the capability "connect"
    And the kit's child will serve as service "kit-home" in a fresh registry
    When the kit's child starts serving
    And the parent driver connects to the service
    And the kit sends the driver the calls
      | seq | function | args     |
      | 1   | add      | [20, 22] |
    Then the driver answers
      | seq | ok   | result |
      | 1   | true | 42     |

  @parent @must @MF-REG-2
  Scenario: Connect mode: discovery reads an entry with start_time instead of started and keys it does not know
    Given the parent driver has the capability "connect"
    And the kit's child will serve as service "kit-shape" in a fresh registry
    When the kit's child starts serving
    And the kit rewrites the service's entry with "start_time" instead of "started" and an extra key
    And the parent driver connects to the service
    And the kit sends the driver the calls
      | seq | function | args   |
      | 1   | add      | [2, 3] |
    Then the driver answers
      | seq | ok   | result |
      | 1   | true | 5      |

  @parent @must @MF-REG-10
  Scenario: Connect mode: discovery polls until the service appears, and ignores an entry whose process is dead
    Given the parent driver has the capability "connect"
    And the kit's child will serve as service "kit-late" in a fresh registry
    And the registry already holds the service id with a dead process on another port
    When the parent driver connects to the service
    And the kit's child starts serving
    And the kit sends the driver the calls
      | seq | function | args   |
      | 1   | add      | [1, 1] |
    Then the driver answers
      | seq | ok   | result |
      | 1   | true | 2      |

  @parent @must @MF-REG-15
  Scenario: Connect mode: discovery never follows a symbolic link at services.json
    Given the parent driver has the capability "connect"
    And the kit's child will serve as service "kit-link" in a fresh registry
    And the driver's environment sets
      | MULTIFROST_DISCOVERY_TIMEOUT_MS | 10000 |
    When the kit's child starts serving
    And the kit replaces services.json by a symbolic link to a copy of it, which names the live service
    And the parent driver connects to the service
    Then the driver reports a failed start within 3000 ms

  @parent @must @MF-REG-15
  Scenario: Connect mode: discovery never waits on a FIFO at services.json
    Given the parent driver has the capability "connect"
    And the kit's child will serve as service "kit-fifo" in a fresh registry
    And the driver's environment sets
      | MULTIFROST_DISCOVERY_TIMEOUT_MS | 10000 |
    When the kit's child starts serving
    And the kit replaces services.json by a FIFO
    And the parent driver connects to the service
    Then the driver reports a failed start within 3000 ms

  @parent @must @MF-PROF-6
  Scenario Outline: A parent told to probe sends a readiness HEARTBEAT in v3, then one in v4, and speaks the profile of the first echo (child accepting <accepted>)
    The kit's child accepting both answers the v3 probe first (it handles one connection's messages in order);
    a child strict to v4 ignores the v3 probe (MF-MSG-6). The kit checks the order of the probes and the profile
    spoken after them; that the v4 probe goes out without waiting for an answer is not seen from outside.

    Given the parent driver has the capability "probe"
    And the driver's environment sets
      | MULTIFROST_PROFILE      | probe      |
      | MULTIFROST_KIT_PROFILES | <accepted> |
    And the parent driver runs the kit's child
    When the kit sends the driver the calls
      | seq | function | args     |
      | 1   | add      | [20, 22] |
    Then the driver answers
      | seq | ok   | result |
      | 1   | true | 42     |
    And the kit's child received a readiness HEARTBEAT in v3 first, then one in v4
    And every CALL the kit's child received was in <spoken>

    Examples:
      | accepted | spoken |
      | v3,v4    | v3     |
      | v4       | v4     |
