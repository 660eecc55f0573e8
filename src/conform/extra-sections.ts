/**
 * The work beside the catalogue: fuzzing (`--fuzz`), replaying a saved case (`--replay`), and the
 * fault-injection summary (`--faults`), each reported as an extra section of the run's report.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAULT_STATS_DIR_ENV } from './fault-relay-command.js';
import { faultSection } from './fault-section.js';
import { fuzzWorker, readFuzzCase, replayCase } from './fuzz.js';
import { EXIT } from './exit-codes.js';
import type { ExtraSection } from './results.js';
import type { Target } from './target.js';
import { realClock } from '../time/real-clock.js';
import type { ProfileName } from '../protocol/profile.js';
import { kitTransport } from './kit-transport.js';

/** What the extra sections need from the command line. */
export interface ExtraOptions {
  faults?: string | undefined;
  seed?: number | undefined;
  fuzz?: number | undefined;
  fuzzDir?: string | undefined;
}

/** Creates the directory the fault relays write their statistics to, and exports it to them. */
export function prepareFaultStats(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mf-faults-'));
  process.env[FAULT_STATS_DIR_ENV] = dir;
  return dir;
}

/** Sections computed after the catalogue: the fault summary and fuzzing. */
export async function extraSections(
  target: Target,
  options: ExtraOptions,
  profile: ProfileName,
): Promise<ExtraSection[]> {
  const sections: ExtraSection[] = [];
  const statsDir = process.env[FAULT_STATS_DIR_ENV];
  if (options.faults !== undefined && statsDir !== undefined)
    sections.push(
      faultSection(statsDir, options.faults, options.seed ?? 1, target.kind === 'parent-driver' ? 'parent' : 'child'),
    );
  if (options.fuzz !== undefined && target.kind === 'parent-driver') {
    sections.push({
      title: 'Fuzzing',
      ok: true,
      lines: ['not run: --fuzz checks a child; the target is a parent driver'],
    });
  }
  if (options.fuzz !== undefined && target.kind !== 'parent-driver') {
    const outcome = await fuzzWorker(target, {
      transport: kitTransport(),
      clock: realClock,
      profile,
      runs: options.fuzz,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.fuzzDir === undefined ? {} : { outDir: options.fuzzDir }),
    });
    sections.push({ title: `Fuzzing (${options.fuzz} malformed inputs)`, ok: outcome.ok, lines: outcome.lines });
  }
  return sections;
}

/** `--replay <file>`: sends a saved fuzz case again. Exit 0 when the worker copes, 1 when it still fails. */
export async function runReplay(target: Target, file: string, out: { write(text: string): boolean }): Promise<number> {
  const fuzzCase = readFuzzCase(file);
  const failure = await replayCase(target, fuzzCase, kitTransport(), realClock);
  out.write(
    failure === undefined
      ? `multifrost-conform: replay ${file}: PASS (the worker copes)\n`
      : `multifrost-conform: replay ${file}: FAIL: ${failure}\n`,
  );
  return failure === undefined ? EXIT.PASS : EXIT.FAIL;
}
