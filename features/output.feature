@output
Feature: Output forwarding
  What a worker writes to stdout and stderr reaches the parent as STDOUT and STDERR messages carrying
  `output`. A ROUTER must address them to a parent it knows, with the envelope [routing id, empty, payload]:
  libzmq silently drops a single-frame ROUTER send, so a worker that forgets the envelope loses all output.
  Each known parent gets each message once: after the write call is answered, the kit calls `echo`; messages
  on one connection arrive in order, so a second copy sent with the first would come before that answer.

  @child @must @MF-OUT-1 @MF-FRAME-3
  Scenario Outline: What the worker writes to <stream> arrives as a <type> message in the envelope
    Given the worker is running
    When the kit calls "<method>" with ["line for <stream>"]
    Then the kit receives a <type> message whose output contains "line for <stream>"
    And that message arrived as [empty delimiter, payload] in the run's profile
    And it arrived once: no second copy comes before the answer to a later call

    Examples:
      | stream | method       | type   |
      | stdout | write_stdout | STDOUT |
      | stderr | write_stderr | STDERR |

  @internal @must @MF-OUT-2
  Scenario: Output written before any parent is known is held and sent once a parent is known
    Given the simulated worker "early-writer" is running
    When the kit calls "add" with [1, 2]
    Then the kit receives a STDOUT message whose output contains "written before any parent is known"
    And the reply is a RESPONSE whose result is 3

  @internal @should @MF-OUT-3
  Scenario: A burst of output larger than the forwarder keeps in flight falls back to the worker's own stdout
    Given the simulated worker "flooder" is running
    When the kit calls "flood" with [3000]
    Then the reply is a RESPONSE whose result is 3000
    And each of the 3000 lines arrived once, as a STDOUT message or on the worker's own stdout, and some on each

  @internal @should @MF-OUT-4
  Scenario: A parent passes forwarded output to its sink with the worker's name
    Given a TypeScript parent and the reference worker on the simulator
    When the parent calls "write_stderr" with ["disk almost full"] and gets nil
    Then the parent's output sink received "disk almost full" on stderr with the worker's name
