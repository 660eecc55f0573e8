@message
Feature: Messages on the wire
  Every Multifrost message is one msgpack map carried in a ZeroMQ multipart message: the parent's DEALER
  sends [empty, payload]; the child's ROUTER sees [routing id, empty, payload] and answers the same way.
  A receiver drops anything malformed without a reply and keeps serving.

  In the @child scenarios the kit plays the parent with raw frames: it binds a DEALER on 127.0.0.1, starts
  your worker with COMLINK_ZMQ_PORT set, and checks what comes back. "No reply" is proven without sleeping:
  the kit then calls `echo`, and the answer to that call must be the first thing that arrives.

  @child @must @MF-FRAME-2 @MF-MSG-2 @MF-MSG-3 @MF-MSG-8 @MF-PROF-1 @MF-PROF-3 @MF-LIFE-3 @MF-SVC-1
  Scenario: A reply comes back in the envelope, with the core fields and the CALL's id
    Given the worker is running
    When the kit calls "add" with [19, 23]
    Then the worker answers that CALL with a message of a known type
    And the reply is a RESPONSE whose result is 42
    And every message from the worker arrived as [empty delimiter, payload]
    And the reply carries app, id, type and timestamp in the run's profile

  @child @should @MF-PROF-4
  Scenario: A worker accepts both profiles by default
    Given the worker is running
    When the kit calls "echo" with ["v3"] in profile v3
    And the kit calls "echo" with ["v4"] in profile v4
    Then each CALL is answered in the profile it arrived in

  @internal @must @MF-FRAME-1 @MF-PROF-2
  Scenario: A parent sends every message as [empty, payload] in its one profile
    Given a TypeScript parent with heartbeats every 100 ms runs the kit's child
    When the parent calls "add" with [1, 2] and gets 3
    And the kit's child has received 2 heartbeats
    Then every message the kit's child received had 3 frames with an empty delimiter
    And every message the kit's child received carries the app id of the parent's profile

  @child @must @MF-FRAME-4
  Scenario Outline: A message with the wrong frames is dropped: <framing>
    Given the worker is running
    When the kit sends a CALL to "echo" framed as <framing>
    Then the worker sends no reply and keeps serving

    Examples:
      | framing                            |
      | the payload alone                  |
      | empty, payload and an extra frame  |
      | a non-empty delimiter and payload  |
      | the empty delimiter alone          |

  @child @must @MF-FRAME-5
  Scenario Outline: A payload that is not one msgpack value is dropped: <what>
    Given the worker is running
    When the kit sends the payload bytes <hex>
    Then the worker sends no reply and keeps serving

    Examples:
      | what                                  | hex                      |
      | the never-used byte 0xc1              | c1                       |
      | a truncated map                       | 82a3617070               |
      | a truncated string                    | d9ff6162                 |
      | an empty payload                      | -                        |
      | a valid CALL followed by extra bytes  | <call>c0                 |

  @child @must @MF-MSG-1
  Scenario Outline: A payload that is not a map is dropped: <what>
    Given the worker is running
    When the kit sends the payload bytes <hex>
    Then the worker sends no reply and keeps serving

    Examples:
      | what               | hex                  |
      | an array           | 93a16101c0           |
      | a string           | a463616c6c           |
      | an integer         | 2a                   |
      | nil                | c0                   |
      | a map with int keys | 810102              |
      | a CALL with an integer key | 87a3617070ae636f6d6c696e6b5f6970635f7633a26964a26b31a474797065a463616c6ca974696d657374616d70cb41da556e40200000a866756e6374696f6ea46563686fa461726773910101a36f6e65 |

  @child @must @MF-MSG-4
  Scenario: Unknown fields are ignored
    Given the worker is running
    When the kit calls "add" with [20, 22] and the extra fields {"x_trace": {"span": "abc", "n": [1, 2]}, "priority": 7}
    Then the reply is a RESPONSE whose result is 42

  @child @must @MF-MSG-5
  Scenario: A message of an unknown type is ignored
    Given the worker is running
    When the kit sends a message of type "telemetry" with the fields {"data": 1}
    Then the worker sends no reply and keeps serving

  @child @must @MF-MSG-6
  Scenario Outline: A message with a missing or foreign app id is ignored: <app>
    Given the worker is running
    When the kit sends a CALL to "echo" with the field "app" set to <app>
    Then the worker sends no reply and keeps serving

    Examples:
      | app                |
      | <missing>          |
      | "comlink_ipc_v2"   |
      | "comlink_ipc_v5"   |
      | ""                 |
      | 3                  |

  @child @must @MF-MSG-7
  Scenario Outline: The client name is accepted under <key>
    Given the worker is running
    When the kit calls "add" with [1, 1] and the extra fields {"<key>": "conformance-kit"}
    Then the reply is a RESPONSE whose result is 2

    Examples:
      | key         |
      | client_name |
      | clientName  |

  @internal @must @MF-MSG-7 @MF-CALL-1
  Scenario: A parent sends the client name as client_name, and args as an array
    Given a TypeScript parent runs the kit's child
    When the parent calls "nothing" with [] as client "reporting-job" and gets nil
    Then the kit's child received a CALL with "client_name" = "reporting-job"
    And the kit's child received a CALL to "nothing" whose args is an empty array

  @child @must @MF-MSG-9
  Scenario Outline: A core field of the wrong type makes the message malformed: <field> = <value>
    Given the worker is running
    When the kit sends a CALL to "echo" with the field "<field>" set to <value>
    Then the worker sends no reply and keeps serving

    Examples:
      | field     | value          |
      | id        | 17             |
      | id        | ["a"]          |
      | type      | 1              |
      | timestamp | "yesterday"    |
      | app       | ["comlink_ipc_v3"] |

  @child @must @MF-MSG-10 @MF-SEC-3
  Scenario: A payload over 16 MiB is dropped without a reply
    Given the worker is running
    When the kit sends a CALL to "echo" whose payload is 16 MiB plus 1 KiB
    Then the worker sends no reply and keeps serving

  @internal @must @MF-MSG-10
  Scenario: A sender refuses a message over its configured limit, with a clear error
    Given a TypeScript parent and the reference worker on the simulator, with a payload limit of 1024 bytes
    When the parent calls "echo" with a string of 2000 characters
    Then the call fails with code "MF_PAYLOAD_TOO_LARGE" before anything is sent
    And the parent still serves: "add" with [1, 2] gives 3
