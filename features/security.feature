Feature: Authenticated peers with CURVE, checked when the implementation declares it
  CURVE (spec section 12, MF-SEC-5 to MF-SEC-9) is optional. A parent driver that declares the capability
  "curve" is asked for it with MULTIFROST_CURVE=1 and must then hand the kit's child a CURVE key in its
  environment and speak CURVE with it; a driver that does not declare it has these scenarios skipped, with
  the reason. The kit's child becomes a CURVE server with the key it is given, so a parent that hands over a
  key but stays plaintext fails the handshake and gets no answer.
  A worker that declares CURVE (MULTIFROST_CHILD_CAPABILITIES=curve in the kit's environment; the kit's
  reference worker has it) is also checked as a service (MF-SEC-7): the kit starts it in connect mode with
  MULTIFROST_CURVE=1, or reads the entry of a running service (--service), and checks the key its entry
  publishes, that a plaintext client is refused and that a CURVE client of that key is answered.

  @parent @must @MF-DRV-2 @MF-SEC-6 @MF-SEC-8
  Scenario: A parent asked for CURVE hands its child a key in the environment and speaks CURVE with it
    Given the parent driver has the capability "curve"
    And the driver's environment sets
      | MULTIFROST_CURVE | 1 |
    And the parent driver runs the kit's child
    When the kit sends the driver the calls
      | seq | function | args    |
      | 1   | add      | [20, 3] |
    And the kit tells the driver to stop
    Then the driver answers
      | seq | ok   | result | kind |
      | 1   | true | 23     |      |
    And the kit's child was given a CURVE secret key in its environment, not in its arguments
    And the kit's child made its socket a CURVE server with that key

  @child @may @MF-SEC-5 @MF-SEC-6
  Scenario: A child given a CURVE key serves a CURVE client of the matching public key
    Given the worker declares the capability "curve"
    When the kit starts the worker with a CURVE secret key and connects as a CURVE client of its public key
    Then the worker answers a call over that CURVE connection

  @child @may @MF-SEC-5 @MF-SEC-7
  Scenario: A service asked for CURVE publishes its public key in its registry entry and answers only CURVE clients
    Given the service declares the capability "curve"
    And the worker runs as a CURVE service and has registered
    Then its registry entry carries a curve_public_key of 40 characters of Z85
    And a plaintext client of its port is refused by the handshake and gets no answer
    And a CURVE client of that key gets an answer
