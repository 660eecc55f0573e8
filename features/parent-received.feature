Feature: A parent drops what is not a reply for it, checked through its driver
  The rules of spec sections 2 and 3 on what a receiver drops bind a parent as much as a child. The kit's
  child sends the parent decoys right before its reply to a call of `echo`: messages a parent must drop (wrong
  frames, bytes that are no msgpack map, an unknown type, a foreign app id, a core field of the wrong type, a
  payload over the size limit), each carrying the CALL's id and the result "decoy: <what>". A parent that
  reads one settles the call with that result, and the driver's line names it; a parent that drops them all
  settles the call with the real reply, which follows on the same connection. A second call proves that the
  parent kept serving, and the child's log that it answered nothing.

  @parent @must @MF-FRAME-4
  Scenario: A parent drops a message with the wrong frames
    Given the parent driver runs the kit's child misbehaving as "decoy-framing@echo"
    When the kit sends the driver the calls
      | seq | function | args     |
      | 1   | echo     | ["real"] |
    Then the driver answers
      | seq | ok   | result |
      | 1   | true | "real" |
    When the kit sends the driver the call
      | seq | function | args      |
      | 2   | echo     | ["again"] |
    Then the driver answers
      | seq | ok   | result  |
      | 2   | true | "again" |
    And the parent sent the kit's child nothing but its calls and heartbeats

  @parent @must @MF-FRAME-5
  Scenario: A parent drops a payload that is not one msgpack value
    Given the parent driver runs the kit's child misbehaving as "decoy-undecodable@echo"
    When the kit sends the driver the calls
      | seq | function | args     |
      | 1   | echo     | ["real"] |
    Then the driver answers
      | seq | ok   | result |
      | 1   | true | "real" |
    When the kit sends the driver the call
      | seq | function | args      |
      | 2   | echo     | ["again"] |
    Then the driver answers
      | seq | ok   | result  |
      | 2   | true | "again" |
    And the parent sent the kit's child nothing but its calls and heartbeats

  @parent @must @MF-MSG-1
  Scenario: A parent drops a payload that is not a map with string keys
    Given the parent driver runs the kit's child misbehaving as "decoy-non-map@echo,decoy-integer-key@echo"
    When the kit sends the driver the calls
      | seq | function | args     |
      | 1   | echo     | ["real"] |
    Then the driver answers
      | seq | ok   | result |
      | 1   | true | "real" |
    When the kit sends the driver the call
      | seq | function | args      |
      | 2   | echo     | ["again"] |
    Then the driver answers
      | seq | ok   | result  |
      | 2   | true | "again" |
    And the parent sent the kit's child nothing but its calls and heartbeats

  @parent @must @MF-MSG-4
  Scenario: A parent ignores fields it does not know in a reply
    Given the parent driver runs the kit's child misbehaving as "reply-unknown-fields"
    When the kit sends the driver the calls
      | seq | function | args                  |
      | 1   | add      | [20, 22]              |
      | 2   | fail     | ["with extra fields"] |
    Then the driver answers
      | seq | ok    | result | kind   |
      | 1   | true  | 42     |        |
      | 2   | false |        | remote |

  @parent @must @MF-MSG-5
  Scenario: A parent ignores a message of an unknown type
    Given the parent driver runs the kit's child misbehaving as "decoy-unknown-type@echo"
    When the kit sends the driver the calls
      | seq | function | args     |
      | 1   | echo     | ["real"] |
    Then the driver answers
      | seq | ok   | result |
      | 1   | true | "real" |
    When the kit sends the driver the call
      | seq | function | args      |
      | 2   | echo     | ["again"] |
    Then the driver answers
      | seq | ok   | result  |
      | 2   | true | "again" |
    And the parent sent the kit's child nothing but its calls and heartbeats

  @parent @must @MF-MSG-6
  Scenario: A parent ignores a message whose app is missing or not its profile's
    Given the parent driver runs the kit's child misbehaving as "decoy-wrong-app@echo"
    When the kit sends the driver the calls
      | seq | function | args     |
      | 1   | echo     | ["real"] |
    Then the driver answers
      | seq | ok   | result |
      | 1   | true | "real" |
    When the kit sends the driver the call
      | seq | function | args      |
      | 2   | echo     | ["again"] |
    Then the driver answers
      | seq | ok   | result  |
      | 2   | true | "again" |
    And the parent sent the kit's child nothing but its calls and heartbeats

  @parent @must @MF-MSG-9
  Scenario: A parent drops a message whose core field has the wrong type
    Given the parent driver runs the kit's child misbehaving as "decoy-wrong-core-type@echo"
    When the kit sends the driver the calls
      | seq | function | args     |
      | 1   | echo     | ["real"] |
    Then the driver answers
      | seq | ok   | result |
      | 1   | true | "real" |
    When the kit sends the driver the call
      | seq | function | args      |
      | 2   | echo     | ["again"] |
    Then the driver answers
      | seq | ok   | result  |
      | 2   | true | "again" |
    And the parent sent the kit's child nothing but its calls and heartbeats

  @parent @must @MF-SEC-3 @MF-MSG-10
  Scenario: A parent drops a reply over the size limit, never delivers it, and keeps serving
    A receiver may drop the connection the oversized message came over (libzmq's MAXMSGSIZE does), losing the
    real reply behind it: the call may then time out. It must never settle with the oversized result.

    Given the parent driver has the capability "per-call-timeout"
    And the parent driver runs the kit's child misbehaving as "decoy-oversize@echo"
    When the kit sends the driver the calls
      | seq | function | args     | timeout_ms |
      | 1   | echo     | ["real"] | 2000       |
    Then call 1 answers "real" or times out
    When the kit sends the driver the call
      | seq | function | args   |
      | 2   | add      | [1, 2] |
    Then the driver answers
      | seq | ok   | result |
      | 2   | true | 3      |

  @parent @must @MF-MSG-10
  Scenario: A parent refuses to send a CALL over the size limit, with an error, and keeps serving
    Given the parent driver runs the kit's child
    When the kit sends the driver call 1 to "echo" with a string of 17 MiB and a timeout of 60000 ms
    Then the driver answers
      | seq | ok    | kind        |
      | 1   | false | not timeout |
    And the kit's child never received a CALL to "echo"
    When the kit sends the driver the call
      | seq | function | args   |
      | 2   | add      | [1, 2] |
    Then the driver answers
      | seq | ok   | result |
      | 2   | true | 3      |

  @parent @must @MF-VAL-14
  Scenario: A parent settles a call at once when its result holds a non-string map key or an extension value
    The kit's child answers `echo("map")` with [{1: "one"}] (a map with the integer key 1, nested) and
    `echo("ext")` with [1, {"v": <extension type 5, data 010203>}]. A parent whose language holds such values
    delivers them unchanged (the driver shows them as $map and $ext); one that cannot fails the call with an
    error. A reply dropped (the call would wait for its timeout) or a value changed (the key 1 made "1") fails.

    Given the parent driver runs the kit's child misbehaving as 'result-integer-key@echo(["map"]),result-extension@echo(["ext"])'
    When the kit sends the driver the calls
      | seq | function | args    |
      | 1   | echo     | ["map"] |
      | 2   | echo     | ["ext"] |
    Then call 1 settles well before its timeout, with this result unchanged or with an error
      | [{"$map": [[1, "one"]]}] |
    And call 2 settles well before its timeout, with this result unchanged or with an error
      | [1, {"v": {"$ext": {"type": 5, "hex": "010203"}}}] |
    When the kit sends the driver the call
      | seq | function | args   |
      | 3   | add      | [1, 2] |
    Then the driver answers
      | seq | ok   | result |
      | 3   | true | 3      |
