/**
 * The report's fault section, from the statistics files the relays wrote: what was injected, which rule
 * fired on which messages, and how the worker processes ended.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { faultRuleTexts } from './fault-spec.js';
import type { DirectionStats, FiredFault, RelayStats } from './relay-stats.js';
import type { ExtraSection } from './results.js';

/** Messages listed per rule in the report, and per rule from one worker process (the count says how many). */
const LISTED_PER_RULE = 12;
const LISTED_PER_WORKER = 3;

function add(total: DirectionStats, more: DirectionStats): void {
  for (const key of Object.keys(total) as Array<keyof DirectionStats>) total[key] += more[key];
}

/**
 * The fault section: what was injected, and how the worker's processes ended. It fails when a worker
 * process exited on its own (no crash CALL, SHUTDOWN or signal from the kit asked for it) or left a
 * well-formed CALL unanswered: the worker failing under faults, beyond what single scenarios show.
 */
export function faultSection(
  dir: string,
  spec: string,
  seed: number,
  role: 'child' | 'parent' = 'child',
): ExtraSection {
  const toWorker = zeroStats();
  const fromWorker = zeroStats();
  const exits = new Map<string, number>();
  const unexpected: string[] = [];
  const unanswered: string[] = [];
  let relays = 0;
  const rules = faultRuleTexts(spec).map((text) => ({ text, count: 0, workers: 0, listed: [] as string[] }));
  for (const name of readdirSync(dir)) {
    let stats: RelayStats;
    try {
      stats = JSON.parse(readFileSync(join(dir, name), 'utf8')) as RelayStats;
    } catch {
      continue; // a relay killed while it wrote its file: counted by its absence
    }
    relays += 1;
    collectFired(rules, stats, name);
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
  const fired = rules.map(
    (rule, index) =>
      `rule ${index + 1} \`${rule.text}\`: ${
        rule.count === 0
          ? 'never fired'
          : `fired ${rule.count} time(s) in ${rule.workers} worker process(es): ${rule.listed.join('; ')}${rule.count > rule.listed.length ? '; ...' : ''}`
      }`,
  );
  if (role === 'parent') {
    // The relay stood between the driver's parent and the kit's own child: how that child ended says nothing
    // about the target; the scenarios judge how the parent coped.
    const parentCounts = [
      `${relays} kit child processes ran behind the relay (parent role: the driver's parent -> the kit's child)`,
      line('parent -> child', toWorker),
      line('child -> parent', fromWorker),
    ];
    return { title: `Fault injection (${spec}, seed ${seed})`, ok: true, lines: [...parentCounts, ...fired] };
  }
  const ok = unexpected.length === 0 && unanswered.length === 0;
  return {
    title: `Fault injection (${spec}, seed ${seed})`,
    ok,
    lines: ok ? [...counts, ...verdicts, ...fired] : [...verdicts, ...counts, ...fired],
  };
}

/** Adds one relay's fired faults to the per-rule tallies (a relay of an older kit has none). */
function collectFired(
  rules: Array<{ count: number; workers: number; listed: string[] }>,
  stats: RelayStats,
  file: string,
): void {
  const worker = file.replace(/^relay-(\d+)\.json$/, 'relay $1');
  (stats.firedCounts ?? []).forEach((count, index) => {
    const rule = rules[index];
    if (rule === undefined || count === 0) return;
    rule.count += count;
    rule.workers += 1;
  });
  const fromThisWorker = new Map<number, number>();
  for (const fault of stats.fired ?? []) {
    const rule = rules[fault.rule - 1];
    const listed = fromThisWorker.get(fault.rule) ?? 0;
    if (rule === undefined || listed >= LISTED_PER_WORKER || rule.listed.length >= LISTED_PER_RULE) continue;
    fromThisWorker.set(fault.rule, listed + 1);
    rule.listed.push(`${firedText(fault)} [${worker}]`);
  }
}

/** e.g. `#7 call add (id c-3) to-child at 41 ms: kill`. */
function firedText(fault: FiredFault): string {
  const what = [fault.type ?? 'undecodable', fault.fn].filter((w) => w !== undefined).join(' ');
  const id = fault.id === undefined ? '' : ` (id ${fault.id})`;
  const action = fault.detail === undefined ? fault.fault : `${fault.fault} ${fault.detail}`;
  return `#${fault.msg} ${what}${id} ${fault.dir} at ${Math.round(fault.atMs)} ms: ${action}`;
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
