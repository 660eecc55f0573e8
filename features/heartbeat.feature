@heartbeat
Feature: Heartbeats
  A parent sends HEARTBEAT messages; a child echoes each one with the same id, at once, even while calls
  are running. The two profiles differ only here:
  - v3 (seed): the request carries `args: [sentAtEpochMs]` and the echo returns `args` unchanged;
  - v4 (deployed ports): the request carries `metadata: {hb_timestamp: <epoch seconds>}` and the echo
    returns `metadata` with `hb_response: true` added.

  @child @must @MF-HB-1
  Scenario: The worker echoes a HEARTBEAT with the same id, in the run's profile
    Given the worker is running
    When the kit sends a HEARTBEAT in the run's profile
    Then the worker echoes it with the same id in the same profile

  @child @must @MF-HB-2
  Scenario: v3: the echo returns `args` unchanged
    Given the worker is running
    And the worker accepts profile v3
    When the kit sends a HEARTBEAT in profile v3
    Then the worker echoes it with the same id in the same profile
    And the echo carries the request's args unchanged

  @child @must @MF-HB-3
  Scenario: v4: the echo returns `metadata` with hb_response true
    Given the worker is running
    And the worker accepts profile v4
    When the kit sends a HEARTBEAT in profile v4
    Then the worker echoes it with the same id in the same profile
    And the echo carries the request's hb_timestamp and hb_response true

  @child @must @MF-HB-4
  Scenario: A HEARTBEAT is answered while a call is running
    Given the worker is running
    When the kit calls "sleep" with [600]
    And the kit sends a HEARTBEAT in the run's profile
    Then the echo arrives before the reply to "sleep"

  @internal @must @MF-HB-2 @MF-HB-3
  Scenario: A parent encodes its heartbeat as its profile says
    Given a TypeScript parent with heartbeats every 100 ms runs the kit's child
    When the kit's child has received 2 heartbeats
    Then each heartbeat carries the send time in the profile's encoding

  @internal @must @MF-HB-5
  Scenario: A parent measures the heartbeat round trip in milliseconds
    Given a TypeScript parent with heartbeats every 100 ms runs the kit's child
    And the kit's child answers every call after 250 ms
    When the parent reports a heartbeat round trip
    Then the round trip is about 250 ms

  @internal @must @MF-HB-6
  Scenario: Heartbeat defaults are 5 s interval, 3 s timeout, 3 misses
    Given a TypeScript parent with default heartbeat options runs the kit's child on the simulator
    When 16 s of virtual time pass
    Then the kit's child received heartbeats at 5000, 10000 and 15000 ms after start

  @internal @must @MF-HB-7 @MF-CB-3
  Scenario: Missed heartbeats are counted, an echo resets the count, max misses is a breaker failure
    Given a TypeScript parent with heartbeats every 1000 ms, timeout 500 ms and 3 misses runs the kit's child on the simulator
    And the kit's child stops echoing heartbeats
    When 4 s of virtual time pass
    Then the parent reported misses 1, 2 and 3
    And the breaker counted 1 consecutive failure
    When the kit's child echoes heartbeats again
    And 2 s of virtual time pass
    And the kit's child stops echoing heartbeats
    And 2 s of virtual time pass
    Then the misses reported after the echoes came back start again from 1

  @internal @should @MF-HB-8
  Scenario: A heartbeat interval of 0 disables heartbeats
    Given a TypeScript parent with heartbeats every 0 ms runs the kit's child on the simulator
    When 60 s of virtual time pass
    Then the kit's child received no heartbeat after the start-up probe

  @internal @should @MF-HB-8
  Scenario: A parent in connect mode runs heartbeats too
    Given the reference worker runs as service "beats" on the simulator
    When a TypeScript parent with heartbeats every 1000 ms connects to service "beats"
    And 3500 ms of virtual time pass
    Then the parent sent 3 heartbeats besides the start-up probe and measured their round trip
