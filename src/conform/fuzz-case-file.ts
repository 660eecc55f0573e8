/**
 * Saved fuzz cases: where a failing case found by a fuzzer (`--fuzz`, `--fuzz-values`) is written, so that
 * `--replay <file>` can send it again. One JSON file per case, named after the seed and the number of runs
 * it took to find it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Default directory for saved cases (`--fuzz-dir`). */
export const DEFAULT_FUZZ_DIR = 'multifrost-fuzz';

/** The largest seed the kit chooses by itself: a non-negative 31-bit integer. */
export const MAX_AUTO_SEED = 2 ** 31 - 1;

/** A seed for a run that was given none: a non-negative integer that `--seed` accepts. */
export function autoSeed(random: () => number = Math.random): number {
  return Math.floor(random() * (MAX_AUTO_SEED + 1));
}

/**
 * Writes `content` as `<dir>/<prefix>-<seed>-<runs>.json` (creating the directory) and returns the path.
 * @param dir default {@link DEFAULT_FUZZ_DIR}, relative to the working directory.
 */
export function saveCase(
  dir: string | undefined,
  prefix: string,
  seed: number | undefined,
  runs: number,
  content: object,
): string {
  const directory = resolve(dir ?? DEFAULT_FUZZ_DIR);
  mkdirSync(directory, { recursive: true });
  const file = join(directory, `${prefix}-${seed ?? 'unseeded'}-${runs}.json`);
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
  return file;
}
