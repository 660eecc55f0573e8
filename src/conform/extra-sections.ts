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
import { EXIT } from './exit-codes.js';
import type { ExtraSection } from './results.js';
import type { Target } from './target.js';
import { realClock } from '../time/real-clock.js';
import { ZmqTransport } from '../transport/zmq/index.js';
import type { ProfileName } from '../protocol/profile.js';

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

/**
 * The fault section: what was injected, and how the worker's processes ended. It fails when a worker
 * process exited on its own (no crash CALL, SHUTDOWN or signal from the kit asked for it) or left a
 * well-formed CALL unanswered: the worker failing under faults, beyond what single scenarios show.
 */
export function faultSection(dir: string, spec: string, seed: number): ExtraSection {
  const toWorker = zeroStats();
  const fromWorker = zeroStats();
  const exits = new Map<string, number>();
  const unexpected: string[] = [];
  const unanswered: string[] = [];
  let relays = 0;
  for (const name of readdirSync(dir)) {
    let stats: RelayStats;
    try {
      stats = JSON.parse(readFileSync(join(dir, name), 'utf8')) as RelayStats;
    } catch {
      continue; // a relay killed while it wrote its file: counted by its absence
    }
    relays += 1;
    add(toWorker, stats['parent->child']);
    add(fromWorker, stats['child->parent']);
    const exit = exitText(stats);
    exits.set(exit, (exits.get(exit) ?? 0) + 1);
    if (stats.childExit !== undefined && stats.exitCause === undefined) unexpected.push(exit);
    for (const call of stats.unanswered ?? [])
      unanswered.push(`${call.function} (id ${call.id}, none within ${call.afterMs} ms)`);
  }
  rmSync(dir, { recursive: true, force: true });
  const line = (name: string, s: DirectionStats): string =>
    `${name}: ${s.messages} messages, ${s.dropped} dropped, ${s.delayed} delayed, ${s.duplicated} duplicated, ${s.reordered} reordered, ${s.corrupted} corrupted`;
  const exitsLine =
    unexpected.length === 0
      ? 'no worker process died on its own under faults'
      : `FAILED: ${unexpected.length} worker process(es) died on their own under faults (${unexpected.join(', ')}); nothing the kit sent asked for an exit`;
  const answerLine =
    unanswered.length === 0
      ? 'the worker answered every well-formed CALL it received (replies the relay dropped count as answered)'
      : `FAILED: the worker stopped answering: ${unanswered.length} well-formed CALL(s) it received got no reply: ${unanswered.slice(0, 5).join('; ')}${unanswered.length > 5 ? '; ...' : ''}`;
  const verdicts = [exitsLine, answerLine];
  // A failure leads (the --quiet summary quotes the first line).
  verdicts.sort((a, b) => Number(b.startsWith('FAILED')) - Number(a.startsWith('FAILED')));
  const counts = [
    `${relays} worker processes ran behind the relay`,
    line('kit -> worker', toWorker),
    line('worker -> kit', fromWorker),
    `worker exits: ${[...exits.entries()].map(([e, n]) => `${e} x${n}`).join(', ') || 'none recorded'}`,
  ];
  const ok = unexpected.length === 0 && unanswered.length === 0;
  return {
    title: `Fault injection (${spec}, seed ${seed})`,
    ok,
    lines: ok ? [...counts, ...verdicts] : [...verdicts, ...counts],
  };
}

function zeroStats(): DirectionStats {
  return { messages: 0, dropped: 0, delayed: 0, duplicated: 0, reordered: 0, corrupted: 0 };
}

/** How a relayed worker ended, e.g. `exit 3 (asked: a crash CALL)`. */
function exitText(stats: RelayStats): string {
  // No recorded exit: the kit ended the scenario by killing the relay and the worker together.
  if (stats.childExit === undefined) return 'stopped by the kit';
  const how = stats.childExit.signal ?? `exit ${stats.childExit.code}`;
  return stats.exitCause === undefined ? how : `${how} (after ${stats.exitCause})`;
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
    sections.push(faultSection(statsDir, options.faults, options.seed ?? 1));
  if (options.fuzz !== undefined && target.kind === 'parent-driver') {
    sections.push({
      title: 'Fuzzing',
      ok: true,
      lines: ['not run: --fuzz checks a child; the target is a parent driver'],
    });
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
  out.write(
    failure === undefined
      ? `multifrost-conform: replay ${file}: PASS (the worker copes)\n`
      : `multifrost-conform: replay ${file}: FAIL: ${failure}\n`,
  );
  return failure === undefined ? EXIT.PASS : EXIT.FAIL;
}
