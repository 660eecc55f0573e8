/**
 * The cases of unportable.json: values outside the portable set that a port in another language can
 * send (map keys that are not strings, extension types), top-level and nested. A receiver either keeps
 * each one exactly (and re-encodes the same bytes) or refuses it naming `path`; never a changed value
 * (MF-VAL-12, MF-VAL-13, MF-VAL-14). Extension values appear nested only: a payload that is itself an
 * extension value is not a message (MF-FRAME-5; rejects.json has those).
 */
import { anyArray, anyMap, bin, bool, ext, float, int, nil, str, type AnyWire } from './notation.js';

export interface UnportableCase {
  name: string;
  description: string;
  clauses: string[];
  /** Where the first value outside the portable set is, as the TypeScript codec names it. */
  path: string;
  value: AnyWire;
}

const KEY_CLAUSES = ['MF-VAL-12', 'MF-VAL-14'];
const EXT_CLAUSES = ['MF-VAL-13', 'MF-VAL-14'];

/** One map key of each kind a Python, Go or Rust map can hold. */
const KEYS: Array<[string, string, AnyWire]> = [
  ['int', 'the integer key 1 (positive fixint)', int(1)],
  ['negative-int', 'the integer key -200 (int16)', int(-200)],
  ['nil', 'the nil key', nil],
  ['bool', 'the boolean key true', bool(true)],
  ['float', 'the float64 key 1.5', float(1.5)],
  ['bin', 'the bin key 0x01ff', bin('01ff')],
  ['array', 'the array key [1, 2]', anyArray(int(1), int(2))],
  ['map', 'the map key {"a": 1}', anyMap(['a', int(1)])],
];

function keyCases(): UnportableCase[] {
  const cases: UnportableCase[] = [];
  for (const [kind, what, key] of KEYS) {
    const inner = anyMap([key, str('v')]);
    cases.push(
      { name: `key/${kind}`, description: `a map with ${what}`, clauses: KEY_CLAUSES, path: '$', value: inner },
      {
        name: `key/${kind}/in-array`,
        description: `a map with ${what}, the second item of an array`,
        clauses: KEY_CLAUSES,
        path: '$[1]',
        value: anyArray(str('a'), inner),
      },
      {
        name: `key/${kind}/in-map`,
        description: `a map with ${what}, the value of the str key "x" after a portable entry`,
        clauses: KEY_CLAUSES,
        path: '$.x',
        value: anyMap(['s', int(0)], ['x', inner]),
      },
    );
  }
  return cases;
}

/** Extension values of each header form; every type here is one no protocol value uses. */
const EXTS: Array<[string, string, AnyWire]> = [
  ['fixext1', 'fixext 1 (0xd4), type 5, data 0xab', ext(5, 'ab')],
  ['fixext16', 'fixext 16 (0xd8), type 127, 16 bytes of data', ext(127, '000102030405060708090a0b0c0d0e0f')],
  ['ext8', 'ext 8 (0xc7), type 66, 3 bytes of data', ext(66, 'c0ffee')],
  ['negative-type', 'fixext 4 (0xd6), type -2 (negative types are reserved by msgpack)', ext(-2, '01020304')],
];

function extCases(): UnportableCase[] {
  const cases: UnportableCase[] = [];
  for (const [kind, what, value] of EXTS) {
    cases.push(
      {
        name: `ext/${kind}/in-array`,
        description: `${what}, the second item of an array`,
        clauses: EXT_CLAUSES,
        path: '$[1]',
        value: anyArray(nil, value),
      },
      {
        name: `ext/${kind}/in-map`,
        description: `${what}, the value of the str key "x" after a portable entry`,
        clauses: EXT_CLAUSES,
        path: '$.x',
        value: anyMap(['s', int(0)], ['x', value]),
      },
    );
  }
  return cases;
}

/** Deeper: where a CALL carries them (args, then inside a map inside an array). */
function deepCases(): UnportableCase[] {
  return [
    {
      name: 'deep/key-in-args',
      description: 'the integer key 1 in a map inside a map inside args: {"args": [{"k": {1: "v"}}]}',
      clauses: KEY_CLAUSES,
      path: '$.args[0].k',
      value: anyMap(['args', anyArray(anyMap(['k', anyMap([int(1), str('v')])]))]),
    },
    {
      name: 'deep/ext-in-args',
      description: 'fixext 1 type 5 inside a map inside args: {"args": [{"k": ext}]}',
      clauses: EXT_CLAUSES,
      path: '$.args[0].k',
      value: anyMap(['args', anyArray(anyMap(['k', ext(5, 'ab')]))]),
    },
    {
      name: 'deep/ext-as-key',
      description: 'fixext 1 type 5 as a map key, inside an array',
      clauses: [...KEY_CLAUSES, 'MF-VAL-13'],
      path: '$[0]',
      value: anyArray(anyMap([ext(5, 'ab'), str('v')])),
    },
  ];
}

export function unportableCases(): UnportableCase[] {
  return [...keyCases(), ...extCases(), ...deepCases()];
}
