/**
 * An integer that needs the 64-bit msgpack formats, prepared for the encoder.
 *
 * msgpackr writes a JavaScript number outside the 32-bit ranges as float64, and every BigInt as int64
 * (`0xd3`) even when uint64 (`0xcf`) is the canonical format. The wire preparation step
 * (`prepareForWire` in sanitize.ts) wraps such integers in this class, and the codec registers a
 * msgpackr extension for it that writes the canonical 9 bytes directly (no ext header).
 * Internal: never part of the public API and never seen by callers.
 * @see MF-VAL-2, MF-VAL-3
 */

const TWO_32 = 4294967296;

/** An integer in [-2^63, -2^31) or [2^32, 2^64): a safe or exact-integral number, or a bigint. */
export class WideInteger {
  constructor(readonly value: number | bigint) {}

  /**
   * Writes the canonical msgpack encoding (9 bytes) at `position`: `0xcf` + uint64 for a positive value,
   * `0xd3` + int64 for a negative one (the values here never fit a smaller format).
   */
  writeTo(view: DataView, target: Uint8Array, position: number): void {
    const value = this.value;
    const negative = value < 0;
    target[position] = negative ? 0xd3 : 0xcf;
    if (typeof value === 'bigint') {
      if (negative) view.setBigInt64(position + 1, value);
      else view.setBigUint64(position + 1, value);
      return;
    }
    // An integral double splits exactly into 32-bit halves: division by a power of two and floor are
    // exact, and the low half is below 2^32. Math.floor keeps the two's complement form for negatives.
    const high = Math.floor(value / TWO_32);
    const low = value - high * TWO_32;
    if (negative) view.setInt32(position + 1, high);
    else view.setUint32(position + 1, high);
    view.setUint32(position + 5, low);
  }
}
