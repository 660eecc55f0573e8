/** Small statistics helpers shared by the benchmarks. */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Prints one machine-readable figure line: `BENCH <name> <figure>=<value> [ratio=<value>]`. */
export function report(name: string, figure: string, value: number, ratio?: number): void {
  console.log(`BENCH ${name} ${figure}=${round(value, 2)}${ratio === undefined ? '' : ` ratio=${round(ratio, 3)}`}`);
}

/** A positive numeric command-line flag (`--runs 7`), or `fallback` when absent or invalid. */
export function numberOption(argv: readonly string[], flag: string, fallback: number): number {
  const index = argv.indexOf(flag);
  const value = index >= 0 ? Number(argv[index + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
