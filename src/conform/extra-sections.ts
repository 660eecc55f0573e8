/**
 * The work beside the catalogue: fuzzing (`--fuzz`), replaying a saved case (`--replay`), and the
 * fault-injection summary (`--faults`), each reported as an extra section of the run's report.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAULT_STATS_DIR_ENV } from './fault-relay-command.js';
import type { DirectionStats, RelayStats } from './fault-relay.js';
import { fuzzWorker, readFuzzCase, replayCase } from './fuzz.js';
import { EXIT } from './conform-run.js';
import type { ExtraSection } from './results.js';
import type { Target } from './target.js';
import { realClock } from '../time/real-clock.js';
import { ZmqTransport } from '../transport/zmq/index.js';

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

function add(total: DirectionStats, more: DirectionStats): void {
  for (const key of Object.keys(total) as Array<keyof DirectionStats>) total[key] += more[key];
}

/** The fault section: what was injected, and how the worker's processes ended. */
export function faultSection(dir: string, spec: string, seed: number): ExtraSection {
  const zero = (): DirectionStats => ({ messages: 0, dropped: 0, delayed: 0, duplicated: 0, reordered: 0, corrupted: 0 });
  const toWorker = zero();
  const fromWorker = zero();
  const exits = new Map<string, number>();
  let relays = 0;
  for (const name of readdirSync(dir)) {
    try {
      const stats = JSON.parse(readFileSync(join(dir, name), 'utf8')) as RelayStats;
      relays += 1;
      add(toWorker, stats['parent->child']);
      add(fromWorker, stats['child->parent']);
      // No recorded exit: the kit ended the scenario by killing the relay and the worker together.
      const exit = stats.childExit === undefined ? 'stopped by the kit' : stats.childExit.signal ?? `exit ${stats.childExit.code}`;
      exits.set(exit, (exits.get(exit) ?? 0) + 1);
    } catch {
      // A relay killed before it wrote its file: counted by its absence.
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const line = (name: string, s: DirectionStats): string =>
    `${name}: ${s.messages} messages, ${s.dropped} dropped, ${s.delayed} delayed, ${s.duplicated} duplicated, ${s.reordered} reordered, ${s.corrupted} corrupted`;
  const unexpected = [...exits.keys()].filter((e) => e !== 'exit 0' && e !== 'SIGTERM' && e !== 'SIGKILL' && e !== 'stopped by the kit');
  return {
    title: `Fault injection (${spec}, seed ${seed})`,
    // Failing scenarios under faults are reported per scenario; this section only fails on a crash.
    ok: true,
    lines: [
      `${relays} worker processes ran behind the relay`,
      line('kit -> worker', toWorker),
      line('worker -> kit', fromWorker),
      `worker exits: ${[...exits.entries()].map(([e, n]) => `${e} x${n}`).join(', ') || 'none recorded'}`,
      unexpected.length === 0 ? 'no worker process died on its own under faults' : `worker processes ended with ${unexpected.join(', ')} (a crash scenario exits on purpose; anything else is the worker failing under faults)`,
    ],
  };
}

/** Sections computed after the catalogue: the fault summary and fuzzing. */
export async function extraSections(target: Target, options: ExtraOptions, profile: 'v3' | 'v4'): Promise<ExtraSection[]> {
  const sections: ExtraSection[] = [];
  const statsDir = process.env[FAULT_STATS_DIR_ENV];
  if (options.faults !== undefined && statsDir !== undefined) sections.push(faultSection(statsDir, options.faults, options.seed ?? 1));
  if (options.fuzz !== undefined && target.kind === 'parent-driver') {
    sections.push({ title: 'Fuzzing', ok: true, lines: ['not run: --fuzz checks a child; the target is a parent driver'] });
  }
  if (options.fuzz !== undefined && target.kind !== 'parent-driver') {
    const outcome = await fuzzWorker(target, {
      transport: new ZmqTransport(),
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
  const failure = await replayCase(target, fuzzCase, new ZmqTransport(), realClock);
  out.write(failure === undefined ? `multifrost-conform: replay ${file}: PASS (the worker copes)\n` : `multifrost-conform: replay ${file}: FAIL: ${failure}\n`);
  return failure === undefined ? EXIT.PASS : EXIT.FAIL;
}
