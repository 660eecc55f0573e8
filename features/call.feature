@call
Feature: Calls
  A CALL names a method of the worker and carries positional arguments. Every CALL that passes validation
  gets exactly one reply with its id: a RESPONSE carrying `result` (nil for a method that returns nothing),
  or an ERROR carrying a non-empty `error` text. Private names and names inherited from the language's base
  object or the worker base class are never callable.

  @child @must @MF-SVC-1 @MF-CALL-1 @MF-CALL-14 @MF-CALL-10
  Scenario Outline: The conformance service answers <function>
    Given the worker is running
    When the kit calls "<function>" with <args>
    Then the reply is a RESPONSE whose result is <result>

    Examples:
      | function     | args                          | result                       |
      | add          | [2, 40]                       | 42                           |
      | add          | [0.5, -2]                     | -1.5                         |
      | echo         | [{"a": [1, "two", null]}]     | {"a": [1, "two", null]}      |
      | sleep        | [20]                          | 20                           |
      | write_stdout | ["to stdout"]                 | nil                          |
      | write_stderr | ["to stderr"]                 | nil                          |

  @child @must @MF-SVC-1
  Scenario: The profile method names the profile of the CALL it answers
    Given the worker is running
    When the kit calls "profile" without arguments
    Then the reply is a RESPONSE whose result is the run's profile name

  @child @must @MF-SVC-1
  Scenario: The pid method answers the worker's process id
    Given the worker is running
    When the kit calls "pid" without arguments
    Then the reply is a RESPONSE whose result is the worker's process id

  @child @must @MF-CALL-6
  Scenario: A method that returns nothing is answered with result nil, and the key is present
    Given the worker is running
    When the kit calls "nothing" without arguments
    Then the reply is a RESPONSE that carries the key "result" set to nil

  @internal @must @MF-CALL-6
  Scenario: A parent reads a RESPONSE without `result` as nil
    Given a TypeScript parent runs the kit's child
    And the kit's child answers calls without the "result" key
    When the parent calls "echo" with ["anything"]
    Then the call resolves with nil

  @child @must @MF-CALL-7
  Scenario: A method that throws is answered with an ERROR carrying the message, and the worker keeps serving
    Given the worker is running
    When the kit calls "fail" with ["the disk is full"]
    Then the reply is an ERROR whose text contains "the disk is full"
    And the worker still answers "add" with [1, 2] with 3

  @child @should @MF-CALL-8
  Scenario: The ERROR carries the remote stack trace under `traceback`
    Given the worker is running
    When the kit calls "fail" with ["with a trace"]
    Then the reply is an ERROR that carries a non-empty "traceback"

  @child @must @MF-CALL-2
  Scenario Outline: A CALL with <what> is dropped: no reply, no invented id
    Given the worker is running
    When the kit sends a CALL to "echo" with the field "id" set to <id>
    Then the worker sends no reply and keeps serving

    Examples:
      | what        | id        |
      | no id       | <missing> |
      | an empty id | ""        |
      | a nil id    | nil       |

  @child @must @MF-CALL-3
  Scenario: A CALL without a function name is answered with an ERROR carrying its id
    Given the worker is running
    When the kit sends a CALL to "echo" with the field "function" set to <missing>
    Then the worker answers that CALL with an ERROR

  @child @must @MF-CALL-4 @MF-SEC-2
  Scenario: A private method is never callable
    Given the worker is running
    When the kit calls "_secret" without arguments
    Then the reply is an ERROR whose text contains "Cannot call private method"

  @child @must @MF-CALL-5 @MF-SEC-2
  Scenario Outline: "<name>" is not a callable method, in any spelling the worker's naming convention allows
    Given the worker is running
    When the kit calls "<name>" without arguments, in every spelling of the worker's method names
    Then each of those calls is answered with an ERROR whose text contains "not found"

    Examples:
      | name             |
      | no_such_method   |
      | constructor      |
      | toString         |
      | hasOwnProperty   |
      | valueOf          |
      | start            |
      | stop             |
      | run              |
      | close            |

  @child @must @MF-CALL-4 @MF-CALL-5 @MF-SEC-2
  Scenario Outline: "<name>" starts with `_`, so it is refused as private
    Given the worker is running
    When the kit calls "<name>" without arguments
    Then the reply is an ERROR whose text contains "Cannot call private method"

    Examples:
      | name        |
      | __proto__   |
      | __init__    |
      | __class__   |
      | __dict__    |

  @child @must @MF-CALL-9
  Scenario: listFunctions names the callable methods and nothing else
    Given the worker is running
    When the kit calls "listFunctions" without arguments
    Then the result lists "echo", "add", "fail", "sleep", "write_stdout", "write_stderr", "nothing", "profile", "pid" and "crash"
    And the result does not list "_secret", "constructor", "toString", "__init__", "start", "stop" or "run"

  @child @must @MF-CALL-10
  Scenario: Every CALL gets exactly one reply
    Given the worker is running
    When the kit sends 20 CALLs to "add" at once
    Then each of them is answered exactly once with the right sum

  @child @should @MF-CALL-11
  Scenario: A slow call does not delay a fast one sent after it
    Given the worker is running
    When the kit calls "sleep" with [600]
    And the kit calls "echo" with ["fast"]
    Then the reply to "echo" arrives before the reply to "sleep"

  @internal @must @MF-CALL-12
  Scenario: A parent ignores a reply with an unknown id and settles the call once
    Given a TypeScript parent runs the kit's child
    And the kit's child first answers every call with a RESPONSE for an unknown id
    When the parent calls "echo" with ["right"]
    Then the call resolves with "right"
    And the parent has no call in flight

  @internal @must @MF-CALL-13
  Scenario: A call times out, says it may have run, and a late reply is ignored
    Given a TypeScript parent runs the kit's child
    And the kit's child answers every call after 600 ms
    When the parent calls "echo" with ["late"] and a timeout of 300 ms
    Then the call fails with code "MF_TIMEOUT" saying it may have run
    And the late reply arrives and is ignored
