/**
 * The scalar rules of sanitisation (numbers and bigints) and the error plumbing shared by the walk in
 * sanitize.ts. Split out to keep the walk readable; these run only off the walk's fast path.
 * @see MF-VAL-1 .. MF-VAL-4, MF-VAL-10
 */
import { WideInteger } from './wide-integer.js';

const TWO_63 = 9223372036854775808;
const MIN_INT64 = -(2n ** 63n);
const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_INT32 = -2147483648n;
const MAX_UINT32 = 4294967295n;

/** Thrown inside the walk; containers add their key while it propagates, so no path is built otherwise. */
export class BadValue {
  readonly segments: Array<string | number> = [];
  constructor(readonly reason: string) {}
}

/** `$`, then `.name` for identifier keys, `["a b"]` for other keys and `[3]` for indexes. */
export function formatPath(segments: ReadonlyArray<string | number>): string {
  let path = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

export function wireNumber(n: number): unknown {
  // msgpackr writes exactly these two ranges with the smallest integer formats (and -0 as 0x00).
  if (n >>> 0 === n || n >> 0 === n) return n;
  if (n !== n || n === Infinity || n === -Infinity) return null;
  // Beyond 32 bits msgpackr would write float64: MF-VAL-2 wants an integer. 2^63 itself is outside int64.
  if (Number.isInteger(n) && n >= -TWO_63 && n < TWO_63) return new WideInteger(n);
  return n;
}

export function portableNumber(n: number): unknown {
  if (n >> 0 === n) return n === 0 ? 0 : n; // also turns -0 into 0
  if (n !== n || n === Infinity || n === -Infinity) return null;
  // Decoding yields a bigint for an integer that is not safe (MF-VAL-4), so the portable form is one too.
  if (
    Number.isInteger(n) &&
    (n > Number.MAX_SAFE_INTEGER || n < -Number.MAX_SAFE_INTEGER) &&
    n >= -TWO_63 &&
    n < TWO_63
  ) {
    return BigInt(n);
  }
  return n;
}

function checkBigIntRange(b: bigint): void {
  if (b < MIN_INT64 || b > MAX_UINT64) throw new BadValue(`the bigint ${b} is outside the int64 and uint64 ranges`);
}

export function wireBigInt(b: bigint): unknown {
  if (b >= MIN_INT32 && b <= MAX_UINT32) return Number(b);
  checkBigIntRange(b);
  return new WideInteger(b);
}

export function portableBigInt(b: bigint): unknown {
  if (b >= -MAX_SAFE && b <= MAX_SAFE) return Number(b);
  checkBigIntRange(b);
  return b;
}
