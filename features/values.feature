@values
Feature: Values
  Values cross the wire as msgpack. The golden vectors (fixtures/vectors/values.json) pin the exact bytes of
  each interop case. Here the kit puts each vector's bytes, unchanged, into a CALL to `echo`, and reads the
  `result` of the RESPONSE with its own msgpack reader, so it sees the wire types: an integer must come back
  as an integer in the smallest format, a float as float64 with the same bits, binary data as `bin`.
  Map key order is not checked (not every language keeps it).

  @child @must
  Scenario Outline: The "<group>" vectors come back unchanged through echo
    Given the worker is running
    When the kit echoes every "<group>" vector of values.json
    Then every result has the vector's type and value

    @MF-VAL-2 @MF-VAL-4
    Examples: integers, from fixint to uint64 and int64
      | group |
      | int   |

    @MF-VAL-2 @MF-VAL-10
    Examples: floats, bit for bit
      | group |
      | float |

    @MF-VAL-9
    Examples: strings, empty and non-BMP
      | group |
      | str   |

    @MF-VAL-5
    Examples: binary data
      | group |
      | bin   |

    @MF-MSG-1 @MF-SVC-1
    Examples: nil, booleans, arrays and maps
      | group |
      | nil   |
      | bool  |
      | array |
      | map   |

  @child @must @MF-VAL-10
  Scenario: -0.0 comes back as a value equal to 0
    Given the worker is running
    When the kit echoes the raw value cb8000000000000000
    Then the result is a number equal to 0

  @child @must @MF-VAL-1
  Scenario Outline: <what> sent to echo comes back as nil
    NaN and the infinities are not portable numbers: a worker that receives one sends nil in its place, at any
    depth (the float32 NaN too).

    Given the worker is running
    When the kit echoes the raw value <hex>
    Then the echo is the raw value <expected>

    Examples:
      | what                          | hex                                                          | expected         |
      | NaN                           | cb7ff8000000000000                                           | c0               |
      | +Infinity                     | cb7ff0000000000000                                           | c0               |
      | -Infinity                     | cbfff0000000000000                                           | c0               |
      | a float32 NaN                 | ca7fc00000                                                   | c0               |
      | NaN and infinities, nested    | 93cb7ff800000000000091cb7ff000000000000081a178cbfff0000000000000 | 93c091c081a178c0 |

  @child @must @MF-VAL-11
  Scenario Outline: The map key <key> comes back unchanged through echo
    Given the worker is running
    When the kit echoes the raw value <hex>
    Then the result is exactly the raw value sent

    Examples:
      | key                                    | hex                                                                 |
      | __proto__ beside __proto_              | 82a95f5f70726f746f5f5f01a85f5f70726f746f5f02                        |
      | __proto__ holding a map, nested        | 9181a95f5f70726f746f5f5f81a8706f6c6c75746564c3                      |
      | constructor, toString and the empty key | 83ab636f6e7374727563746f7201a8746f537472696e6702a003               |

  @child @must
  Scenario Outline: <what> inside args is echoed unchanged or refused with an ERROR, never dropped or changed
    Given the worker is running
    When the kit echoes the raw value <hex>
    Then the reply is an ERROR, or a RESPONSE whose result is exactly the raw value sent

    @MF-VAL-12
    Examples: map keys that are not strings
      | what                         | hex                    |
      | an integer map key           | 8101a36f6e65           |
      | a negative integer map key   | 81d0c0a3616263         |
      | a nil map key, nested        | 9181c0c3               |
      | an array map key             | 8192010202             |

    @MF-VAL-13
    Examples: extension types
      | what                         | hex                    |
      | a fixext 1 of type 1         | d40102                 |
      | an ext 8 of type 66, nested  | 92c70342616263c0       |
      | a fixext 4 of type -2, nested | 92c0d6fe01020304       |

  @internal @must @MF-VAL-14
  Scenario Outline: A result holding <what> fails its call at once, saying where, never arriving changed
    Given a started TypeScript parent of the simulated program "<program>"
    When the parent calls "echo" with ["anything"]
    Then the call fails with a ProtocolError citing MF-VAL-14 and naming "<where>"

    Examples:
      | what                   | program               | where                                    |
      | an integer map key     | echo-with-integer-key | a map key of type integer                |
      | a nested extension     | echo-with-extension   | $.result[1]: a msgpack extension type 5  |

  @internal @must @MF-VAL-1 @MF-VAL-6 @MF-VAL-7
  Scenario Outline: The TypeScript parent sanitises <input> before sending
    Given a TypeScript parent and the reference worker on the simulator
    When the parent echoes the JavaScript value <input>
    Then the echo gives <result>

    Examples:
      | input                                     | result                                     |
      | NaN                                       | nil                                        |
      | [Infinity, -Infinity, {"x": NaN}]         | [nil, nil, {"x": nil}]                     |
      | {"kept": 1, "gone": undefined}            | {"kept": 1}                                |
      | [1, undefined, 3]                         | [1, nil, 3]                                |
      | new Date("2026-01-02T03:04:05.678Z")      | "2026-01-02T03:04:05.678Z"                 |
      | new Set([1, "a"])                         | [1, "a"]                                   |
      | new Map([["k", [true]]])                  | {"k": [true]}                              |

  @internal @must @MF-VAL-3 @MF-VAL-4
  Scenario Outline: BigInt <input> is sent as an integer and comes back exactly
    Given a TypeScript parent and the reference worker on the simulator
    When the parent echoes the JavaScript value <input>
    Then the echo gives the BigInt <input>

    Examples:
      | input                  |
      | 9007199254740993n      |
      | 18446744073709551615n  |
      | -9223372036854775808n  |

  @internal @must @MF-VAL-3 @MF-VAL-7
  Scenario Outline: <what> cannot be sent: the error names the path
    Given a TypeScript parent and the reference worker on the simulator
    When the parent echoes the JavaScript value <input>
    Then the call fails with code "MF_ENCODE" naming the path "<path>"

    Examples:
      | what                          | input                                  | path        |
      | a BigInt above uint64         | {"big": [18446744073709551616n]}       | big[0]      |
      | a function                    | {"f": () => 1}                         | f           |
      | a symbol                      | [Symbol("s")]                          | [0]         |
      | a cycle                       | cycle                                  | self        |
      | a Map with a non-string key   | new Map([[1, "one"]])                  | args[0]     |

  @internal @must @MF-VAL-8
  Scenario: Sanitising is idempotent and survives a round trip
    Given a TypeScript parent and the reference worker on the simulator
    When the kit sanitises every input of sanitize.json twice
    Then the second pass changes nothing and the echo of the first gives it back
