/**
 * The golden vector cases, as data. Values are written in the notation directly (values.json,
 * sanitize.json) or built with the message factories (messages-*.json), so the files pin the factories'
 * field order too. Everything is fixed: ids, timestamps, payloads.
 */
import {
  createCall,
  createError,
  createHeartbeat,
  createHeartbeatEcho,
  createOutput,
  createResponse,
  createShutdown,
} from '../../src/protocol/messages.js';
import type { Message } from '../../src/protocol/message.js';
import type { Profile } from '../../src/protocol/profile.js';
import { array, bin, bool, float, fromJs, int, map, nil, str, type Input, type Wire } from './notation.js';

export interface VectorCase {
  name: string;
  description: string;
  clauses: string[];
  value: Wire;
  input?: Input;
  profile?: string;
}

export interface RejectCase {
  name: string;
  description: string;
  clauses: string[];
  hex: string;
  reason: 'not-msgpack' | 'trailing-bytes';
}

const v = (name: string, description: string, clauses: string[], value: Wire, input?: Input): VectorCase =>
  input === undefined ? { name, description, clauses, value } : { name, description, clauses, value, input };

const intCase = (value: bigint | number, description: string): VectorCase =>
  v(`int/${value}`, description, ['MF-VAL-2', 'MF-VAL-4'], int(value));

function integerCases(): VectorCase[] {
  const p2 = (n: number): bigint => 2n ** BigInt(n);
  return [
    intCase(0, 'zero: positive fixint'),
    intCase(1, 'positive fixint'),
    intCase(127, 'largest positive fixint (0x7f)'),
    intCase(128, 'smallest uint8 (0xcc)'),
    intCase(255, 'largest uint8'),
    intCase(256, 'smallest uint16 (0xcd)'),
    intCase(65535, 'largest uint16'),
    intCase(65536, 'smallest uint32 (0xce)'),
    intCase(p2(31), '2^31: uint32, not int32, because it is non-negative'),
    intCase(p2(32) - 1n, 'largest uint32'),
    intCase(p2(32), '2^32: smallest uint64 (0xcf); msgpackr alone would write float64'),
    intCase(p2(53) - 1n, 'largest safe integer: decodes to a number in JavaScript'),
    intCase(p2(53), '2^53: not a safe integer, decodes to a bigint in JavaScript (MF-VAL-4)'),
    intCase(p2(63) - 1n, 'largest int64, still written as uint64 because it is non-negative'),
    intCase(p2(63), '2^63: only uint64 holds it'),
    intCase(p2(64) - 1n, 'largest uint64'),
    intCase(-1, 'negative fixint'),
    intCase(-32, 'smallest negative fixint (0xe0)'),
    intCase(-33, 'largest int8 (0xd0) below the fixint range'),
    intCase(-128, 'smallest int8'),
    intCase(-129, 'largest int16 (0xd1) below the int8 range'),
    intCase(-32768, 'smallest int16'),
    intCase(-32769, 'largest int32 (0xd2) below the int16 range'),
    intCase(-p2(31), 'smallest int32'),
    intCase(-p2(31) - 1n, 'largest int64 (0xd3) below the int32 range; msgpackr alone would write float64'),
    intCase(-(p2(53) - 1n), 'smallest safe integer'),
    intCase(-p2(53), '-2^53: not a safe integer, decodes to a bigint in JavaScript'),
    intCase(-p2(63), 'smallest int64'),
  ];
}

function floatCases(): VectorCase[] {
  const f = (name: string, value: number, description: string): VectorCase =>
    v(`float/${name}`, description, ['MF-VAL-2', 'MF-VAL-10'], float(value));
  return [
    f('0.1', 0.1, 'not exactly representable: the bits are what matter'),
    f('1.5', 1.5, 'exact in float32 too, still sent as float64 (never float32)'),
    f('-1.5', -1.5, 'negative float'),
    f('3.141592653589793', Math.PI, 'pi'),
    f('1e300', 1e300, 'integral but beyond int64: float64'),
    f('-1e300', -1e300, 'integral but beyond int64: float64'),
    f('2^63', 2 ** 63, 'the number 2^63 is integral but outside int64: float64 (MF-VAL-2)'),
    f('5e-324', 5e-324, 'smallest subnormal'),
    f('max', Number.MAX_VALUE, 'largest finite double'),
    f('1767225600.25', 1767225600.25, 'a timestamp in epoch seconds'),
  ];
}

function stringCases(): VectorCase[] {
  const s = (name: string, value: string, description: string): VectorCase =>
    v(`str/${name}`, description, ['MF-VAL-9'], str(value));
  return [
    s('empty', '', 'empty string: fixstr of length 0'),
    s('a', 'a', 'one ASCII character'),
    s('31-bytes', 'a'.repeat(31), 'largest fixstr'),
    s('32-bytes', 'a'.repeat(32), 'smallest str8 (0xd9)'),
    s('255-bytes', 'a'.repeat(255), 'largest str8'),
    s('256-bytes', 'a'.repeat(256), 'smallest str16 (0xda)'),
    s('11-euro-signs', '€'.repeat(11), '11 characters but 33 UTF-8 bytes: the header counts bytes (str8)'),
    s('non-bmp', '😀', 'one non-BMP character: 4 UTF-8 bytes, one surrogate pair in JavaScript'),
    s('mixed-unicode', 'héllo wörld 😀 日本 𝄞', 'two-, three- and four-byte characters'),
  ];
}

function binCases(): VectorCase[] {
  const b = (name: string, hex: string, description: string): VectorCase =>
    v(`bin/${name}`, description, ['MF-VAL-5'], bin(hex));
  return [
    b('empty', '', 'empty bin8'),
    b('3-bytes', '00ff7f', 'small bin8'),
    b('255-bytes', 'ab'.repeat(255), 'largest bin8'),
    b('256-bytes', 'cd'.repeat(256), 'smallest bin16 (0xc5)'),
  ];
}

function containerCases(): VectorCase[] {
  const numbered = (count: number): Wire[] => Array.from({ length: count }, (_, i) => int(i));
  const entries = (count: number): Array<[string, Wire]> =>
    Array.from({ length: count }, (_, i): [string, Wire] => [`k${i}`, int(i)]);
  return [
    v('nil', 'nil', ['MF-CALL-6'], nil),
    v('bool/true', 'true', [], bool(true)),
    v('bool/false', 'false', [], bool(false)),
    v('array/empty', 'empty fixarray', [], array()),
    v('array/mixed', 'mixed element types', [], array(int(1), str('a'), nil, bool(true), float(0.5))),
    v('array/15', 'largest fixarray', [], array(...numbered(15))),
    v('array/16', 'smallest array16 (0xdc)', [], array(...numbered(16))),
    v('array/nested', 'arrays in arrays', [], array(array(array()), array(int(1)))),
    v('map/empty', 'empty fixmap', [], map()),
    v(
      'map/order',
      'keys keep their order (not sorted)',
      ['MF-MSG-1'],
      map(['b', int(1)], ['a', int(2)], ['c', int(3)]),
    ),
    v('map/15', 'largest fixmap', [], map(...entries(15))),
    v('map/16', 'smallest map16 (0xde)', [], map(...entries(16))),
    v(
      'map/nested',
      'maps and arrays nested',
      [],
      map(['outer', map(['inner', array(int(1), map(['x', nil]), bin('01'))])], ['n', float(-0.25)]),
    ),
    v('map/unicode-keys', 'non-ASCII keys', ['MF-VAL-9'], map(['ключ', str('значение')], ['😀', int(1)])),
    v(
      'map/proto-keys',
      'keys that name JavaScript object internals are ordinary keys: none renamed, none lost',
      ['MF-VAL-11'],
      map(['__proto__', int(1)], ['__proto_', int(2)], ['constructor', int(3)], ['', int(4)]),
    ),
    v(
      'map/proto-key-nested',
      'a __proto__ key holding a map, inside a map',
      ['MF-VAL-11'],
      map(['outer', map(['__proto__', map(['polluted', bool(true)])])]),
    ),
  ];
}

/** values.json */
export function valueCases(): VectorCase[] {
  return [...containerCases(), ...integerCases(), ...floatCases(), ...stringCases(), ...binCases()];
}

/** sanitize.json: JavaScript inputs that sanitisation changes. */
export function sanitizeCases(): VectorCase[] {
  const s = (name: string, description: string, clauses: string[], value: Wire, input: Input): VectorCase =>
    v(`sanitize/${name}`, description, clauses, value, input);
  const bits = (hex: string): Input => ({ float: hex });
  return [
    s('nan', 'NaN is sent as nil', ['MF-VAL-1'], nil, bits('7ff8000000000000')),
    s('infinity', '+Infinity is sent as nil', ['MF-VAL-1'], nil, bits('7ff0000000000000')),
    s('minus-infinity', '-Infinity is sent as nil', ['MF-VAL-1'], nil, bits('fff0000000000000')),
    s('minus-zero', '-0 is integral: sent as the integer 0', ['MF-VAL-10'], int(0), bits('8000000000000000')),
    s('nested-non-finite', 'NaN and Infinity at depth', ['MF-VAL-1'], array(nil, map(['a', nil], ['b', array(nil)])), {
      array: [
        bits('7ff8000000000000'),
        {
          map: [
            ['a', bits('7ff0000000000000')],
            ['b', { array: [bits('fff0000000000000')] }],
          ],
        },
      ],
    }),
    s(
      'integral-float-small',
      'the double 2.0 is integral: sent as the integer 2',
      ['MF-VAL-2'],
      int(2),
      bits('4000000000000000'),
    ),
    s(
      'integral-float-1e15',
      'the double 1e15 is integral and within int64: uint64, not float64',
      ['MF-VAL-2'],
      int(1e15),
      float(1e15),
    ),
    s(
      'integral-float-minus-2^40',
      'a negative integral double beyond int32: int64',
      ['MF-VAL-2'],
      int(-(2 ** 40)),
      float(-(2 ** 40)),
    ),
    s('bigint-small', 'a small bigint uses the smallest format, not int64', ['MF-VAL-3'], int(5), { bigint: '5' }),
    s('bigint-2^40', 'a bigint beyond uint32: uint64', ['MF-VAL-3'], int(2n ** 40n), { bigint: String(2n ** 40n) }),
    s('bigint-negative', 'a negative bigint in the int16 range', ['MF-VAL-3'], int(-300), { bigint: '-300' }),
    s('undefined-in-array', 'undefined inside an array is nil', ['MF-VAL-6'], array(int(1), nil, int(3)), {
      array: [int(1), { undefined: null }, int(3)],
    }),
    s('undefined-property', 'an undefined property is omitted', ['MF-VAL-6'], map(['a', int(1)], ['c', int(3)]), {
      map: [
        ['a', int(1)],
        ['b', { undefined: null }],
        ['c', int(3)],
      ],
    }),
    s('date', 'a Date is sent as its ISO 8601 string', ['MF-VAL-7'], str('2026-01-01T00:00:00.250Z'), {
      date: '2026-01-01T00:00:00.250Z',
    }),
    s('set', 'a Set is sent as an array', ['MF-VAL-7'], array(int(1), str('two')), { set: [int(1), str('two')] }),
    s(
      'map-string-keys',
      'a Map with string keys is sent as a map, in insertion order',
      ['MF-VAL-7'],
      map(['z', int(1)], ['a', nil]),
      {
        jsmap: [
          ['z', int(1)],
          ['a', bits('7ff8000000000000')],
        ],
      },
    ),
  ];
}

const IDS = Array.from({ length: 16 }, (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);
const T0 = 1767225600.25; // 2026-01-01T00:00:00.250Z in epoch seconds
const SENT_MS = 1767225600250; // the same instant in epoch milliseconds

function messageCase(
  profile: Profile,
  name: string,
  description: string,
  clauses: string[],
  message: Message,
): VectorCase {
  return { name: `${profile.name}/${name}`, description, clauses, profile: profile.name, value: fromJs(message) };
}

/** messages-v3.json and messages-v4.json */
export function messageCases(profile: Profile): VectorCase[] {
  const id = (i: number): string => IDS[i] as string;
  const heartbeat = createHeartbeat(profile, id(9), T0 + 9, SENT_MS);
  return [
    messageCase(
      profile,
      'call/add',
      'CALL add(1, 2) without namespace or client name',
      ['MF-CALL-1', 'MF-MSG-2'],
      createCall(profile, id(0), T0, 'add', [1, 2]),
    ),
    messageCase(
      profile,
      'call/full',
      'CALL with namespace and client_name',
      ['MF-CALL-1', 'MF-MSG-7', 'MF-NS-3'],
      createCall(profile, id(1), T0 + 1, 'echo', ['hello'], { namespace: 'default', clientName: 'conformance' }),
    ),
    messageCase(
      profile,
      'call/no-args',
      'CALL without arguments carries an empty args array',
      ['MF-CALL-1'],
      createCall(profile, id(2), T0 + 2, 'nothing', []),
    ),
    messageCase(
      profile,
      'call/nested-args',
      'CALL with nested arguments',
      ['MF-CALL-14'],
      createCall(profile, id(3), T0 + 3, 'echo', [
        { user: { name: 'Ada', tags: ['x', 'y'] }, ratio: 0.75 },
        [1, [2, [3]]],
      ]),
    ),
    messageCase(
      profile,
      'response/number',
      'RESPONSE with a result',
      ['MF-CALL-6', 'MF-MSG-8'],
      createResponse(profile, id(0), T0 + 4, 3),
    ),
    messageCase(
      profile,
      'response/nil',
      'RESPONSE of a handler that returned nothing: result is nil, not absent',
      ['MF-CALL-6'],
      createResponse(profile, id(2), T0 + 5, undefined),
    ),
    messageCase(
      profile,
      'response/nested',
      'RESPONSE with a nested result',
      ['MF-CALL-6'],
      createResponse(profile, id(3), T0 + 6, { list: [1, 2.5, 'three', null, true], big: 2 ** 40 }),
    ),
    messageCase(
      profile,
      'error/with-traceback',
      'ERROR with the remote traceback extension field',
      ['MF-CALL-7', 'MF-CALL-8'],
      createError(profile, id(4), T0 + 7, 'boom', 'Error: boom\n    at fail (worker.js:1:1)'),
    ),
    messageCase(
      profile,
      'error/plain',
      'ERROR without traceback',
      ['MF-CALL-3'],
      createError(profile, id(5), T0 + 8, 'CALL has no function name'),
    ),
    messageCase(
      profile,
      'stdout',
      'STDOUT output',
      ['MF-OUT-1'],
      createOutput(profile, id(6), T0 + 9, 'stdout', 'hello\n'),
    ),
    messageCase(
      profile,
      'stderr',
      'STDERR output',
      ['MF-OUT-1'],
      createOutput(profile, id(7), T0 + 10, 'stderr', 'warning: ünïcode 😀\n'),
    ),
    messageCase(
      profile,
      'heartbeat/request',
      "HEARTBEAT request in this profile's encoding",
      [profile.name === 'v3' ? 'MF-HB-2' : 'MF-HB-3'],
      heartbeat,
    ),
    messageCase(
      profile,
      'heartbeat/echo',
      "HEARTBEAT echo: same id, the profile's echo fields",
      ['MF-HB-1', profile.name === 'v3' ? 'MF-HB-2' : 'MF-HB-3'],
      createHeartbeatEcho(profile, heartbeat, T0 + 11),
    ),
    messageCase(profile, 'shutdown', 'SHUTDOWN', ['MF-LIFE-4'], createShutdown(profile, id(10), T0 + 12)),
  ];
}

/** rejects.json */
export function rejectCases(): RejectCase[] {
  const r = (name: string, hex: string, reason: RejectCase['reason'], description: string): RejectCase => ({
    name,
    description,
    clauses: ['MF-FRAME-5'],
    hex,
    reason,
  });
  return [
    r('trailing/extra-nil', 'c0c0', 'trailing-bytes', 'two values where one is expected'),
    r('trailing/after-map', '81a16101ff', 'trailing-bytes', 'a complete map followed by one more byte'),
    r('truncated/empty', '', 'not-msgpack', 'no bytes at all'),
    r('truncated/str', 'a3616263'.slice(0, 6), 'not-msgpack', 'a fixstr of 3 bytes with only 2'),
    r('truncated/array', '92c0', 'not-msgpack', 'a fixarray of 2 with only 1 element'),
    r('truncated/float', 'cb3ff8', 'not-msgpack', 'a float64 with 2 of its 8 bytes'),
    r('truncated/map-value', '81a161', 'not-msgpack', 'a map key without its value'),
    r('invalid/0xc1', 'c1', 'not-msgpack', '0xc1 is never used by msgpack'),
    r(
      'extension/fixext1',
      'd40000',
      'not-msgpack',
      'an extension type: not part of the protocol (peers MAY skip extension/*)',
    ),
    r(
      'extension/timestamp',
      'd6ff00000000',
      'not-msgpack',
      'the timestamp extension: not part of the protocol (peers MAY skip extension/*)',
    ),
  ];
}
