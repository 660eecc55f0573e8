/**
 * The report section of differential value checking (`--fuzz-values N`), run after the catalogue over real
 * ZeroMQ against a fresh worker. Its title names the clauses it checks; a failure's first line starts with
 * the clause the smallest failing value breaks (the `--quiet` summary quotes that line).
 */
import { realClock } from '../time/real-clock.js';
import { targetName, type MethodNames } from './method-names.js';
import type { ExtraSection } from './results.js';
import type { Target } from './target.js';
import { fuzzValues } from './value-fuzz.js';
import type { ProfileName } from '../protocol/profile.js';
import { kitTransport } from './kit-transport.js';

/** What the command line asks of the value fuzzer. */
export interface ValueFuzzRequest {
  runs: number;
  seed?: number | undefined;
  /** Where a failing case is saved (`--fuzz-dir`, default `./multifrost-fuzz`). */
  dir?: string | undefined;
}

/** Runs the value fuzzer against a child target and reports it; a parent driver gets a "not run" section. */
export async function valueFuzzSection(
  target: Target,
  request: ValueFuzzRequest,
  profile: ProfileName,
  names?: MethodNames,
): Promise<ExtraSection> {
  const title = `Value fuzzing (${request.runs} generated values through echo; MF-SVC-1, MF-VAL-1, -2, -4, -5, -9, -10, -11)`;
  if (target.kind === 'parent-driver')
    return { title, ok: true, lines: ['not run: --fuzz-values checks a child; the target is a parent driver'] };
  const outcome = await fuzzValues(target, {
    transport: kitTransport(),
    clock: realClock,
    profile,
    runs: request.runs,
    echoName: targetName('echo', names),
    ...(request.seed === undefined ? {} : { seed: request.seed }),
    ...(request.dir === undefined ? {} : { outDir: request.dir }),
  });
  return { title, ok: outcome.ok, lines: outcome.lines };
}
