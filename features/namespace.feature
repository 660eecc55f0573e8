@namespace
Feature: Namespaces
  A worker serves one namespace, `default` unless configured. A CALL for another namespace is ignored: no
  reply, so the parent's timeout applies.

  @child @must @MF-NS-1
  Scenario: A CALL without a namespace is served by the default namespace
    Given the worker is running
    When the kit calls "add" with [3, 4]
    Then the reply is a RESPONSE whose result is 7

  @child @must @MF-NS-3
  Scenario: A CALL for the worker's namespace is dispatched
    Given the worker is running
    When the kit calls "add" with [3, 4] and the extra fields {"namespace": "default"}
    Then the reply is a RESPONSE whose result is 7

  @child @must @MF-NS-2
  Scenario: A CALL for another namespace is ignored
    Given the worker is running
    When the kit calls "add" with [3, 4] and the extra fields {"namespace": "billing"}
    Then the worker sends no reply and keeps serving

  @internal @must @MF-NS-2 @MF-CALL-13
  Scenario: The parent's timeout applies to a CALL for another namespace
    Given a TypeScript parent and the reference worker on the simulator
    When the parent calls "add" with [1, 2] in namespace "billing" with a timeout of 2000 ms
    Then the call fails with code "MF_TIMEOUT" saying it may have run
    And the call took exactly 2000 ms of virtual time
