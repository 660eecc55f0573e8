@breaker @internal
Feature: Circuit breaker (the TypeScript parent)
  The breaker protects callers from a worker that keeps failing. It starts closed, trips open after
  `maxRestartAttempts` consecutive failures, refuses calls while open (they are not sent), and after the
  cooldown lets exactly one probe call through (half-open): success closes it, failure re-opens it.
  These scenarios run on the simulator's virtual clock: a 30 s cooldown takes microseconds.

  Background:
    Given a TypeScript parent and the reference worker on the simulator, with a breaker of 3 failures and a 30 s cooldown

  @must @MF-CB-1 @MF-CB-2 @MF-CB-4
  Scenario: Closed, then open after 3 consecutive failures; calls are then refused unsent
    Then the breaker is closed
    When 2 calls time out
    Then the breaker is closed
    When 1 call times out
    Then the breaker is open
    And a call is refused with code "MF_CIRCUIT_OPEN" saying it was not sent

  @must @MF-CB-5 @MF-CB-6
  Scenario: After the cooldown exactly one probe goes through, and its success closes the breaker
    Given 3 calls time out
    When 29 s of virtual time pass
    Then a call is refused with code "MF_CIRCUIT_OPEN" saying it was not sent
    When 1 s of virtual time pass
    And a probe call to "sleep" with [1000] starts
    Then the breaker is half-open
    And a call is refused with code "MF_CIRCUIT_OPEN" saying it was not sent
    And the probe resolves with 1000
    And the breaker is closed
    And the breaker counted 0 consecutive failures

  @must @MF-CB-6
  Scenario: A failed probe re-opens the breaker for another cooldown
    Given 3 calls time out
    When 30 s of virtual time pass
    And 1 call times out
    Then the breaker is open
    When 30 s of virtual time pass
    Then the parent still serves: "add" with [1, 1] gives 2
    And the breaker is closed

  @must @MF-CB-7
  Scenario: A success while closed resets the consecutive failure count
    When 2 calls time out
    And the parent calls "add" with [1, 2] and gets 3
    And 2 calls time out
    Then the breaker is closed
    And the breaker counted 2 consecutive failures

  @must @MF-CB-3
  Scenario: Remote errors count by default
    When 3 calls fail remotely
    Then the breaker is open

  @must @MF-CB-3
  Scenario: Remote errors do not count when countRemoteErrors is off
    Given the parent is restarted with countRemoteErrors off
    When 3 calls fail remotely
    Then the breaker is closed
    And the breaker counted 0 consecutive failures

  @should @MF-CB-8
  Scenario: Every transition is an event and is counted in the metrics
    Given 3 calls time out
    When 30 s of virtual time pass
    Then the parent still serves: "add" with [1, 1] gives 2
    And the parent reported the transitions "closed->open", "open->half-open" and "half-open->closed"
    And the metrics count 1 trip and 1 reset
