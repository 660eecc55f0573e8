/**
 * Shared fast-check settings for the property tests, so every property runs the same way and any failure
 * can be replayed exactly.
 *
 * - `MF_FC_RUNS`: runs per property (default {@link DEFAULT_RUNS}).
 * - `MF_FC_SEED` and `MF_FC_PATH`: replay a failure. fast-check prints both when a property fails
 *   (`{ seed: 1234, path: "56:7:8" }`); set them and run only that test
 *   (`--test-name-pattern`) to get the same shrunk counterexample at once. See docs/testing.md.
 */
import type { Parameters } from 'fast-check';

/** Runs per property in the default (CI) run. */
export const DEFAULT_RUNS = 10_000;

function envInteger(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got ${JSON.stringify(text)}`);
  return value;
}

/**
 * fast-check parameters: `numRuns` from MF_FC_RUNS, `seed`/`path` from MF_FC_SEED/MF_FC_PATH, then
 * `overrides` (a property that is costly per run may lower `numRuns`, but says why).
 */
export function fcParameters<T>(overrides: Parameters<T> = {}): Parameters<T> {
  const parameters: Parameters<T> = { numRuns: envInteger('MF_FC_RUNS') ?? DEFAULT_RUNS, ...overrides };
  const seed = envInteger('MF_FC_SEED');
  if (seed !== undefined) parameters.seed = seed;
  const path = process.env['MF_FC_PATH'];
  if (path !== undefined && path !== '') parameters.path = path;
  return parameters;
}
