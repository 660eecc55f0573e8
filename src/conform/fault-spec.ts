/**
 * The `--faults` language: comma-separated rules of the simulator's fault plan (src/transport/sim/faults.ts)
 * applied by the relay to the real connection. A rule is an action, then filters, separated by spaces:
 *
 * - actions: `drop[=P]`, `delay=MS[~J]`, `duplicate[=P]`, `reorder[=P][@W]`, `corrupt[=P]` (P a probability,
 *   default 1), `kill` (SIGKILL the worker when a matching message arrives; the message is lost) and
 *   `partition` (drop everything both ways, normally with a time window)
 * - filters: `dir=to-child|to-parent`, `type=<t>[|<t>...]`, `fn=<name>[|<name>...]` (a reply matches the
 *   function of the call it answers), `nth=N` or `nth=A-B` (1-based, among the messages passing the other
 *   filters), `from=<duration>` and `until=<duration>` (since the worker started), `p=P`
 *
 * Counters and time are per worker process: each scenario starts its own worker behind its own relay.
 * @example parseFaultSpec('drop type=heartbeat dir=to-parent nth=1-3, delay=4s fn=sleep dir=to-parent, kill type=call fn=add nth=2')
 */
import { InvalidArgumentError } from '../errors.js';
import type { FaultRule, MatchOptions } from '../transport/sim/faults.js';
import { corrupt, crash, delay, drop, duplicate, partition, reorder } from '../transport/sim/faults.js';

/** The relay's two ends, as the fault engine's process names (partitions cut between them). */
export const RELAY_ENDS = ['parent', 'child'] as const;

const ACTIONS = 'drop, delay, duplicate, reorder, corrupt, kill, partition';
const FILTERS = 'dir, type, fn, nth, from, until, p';
/** Beyond this an `nth` range is surely a typo (and would be a large array). */
const MAX_NTH = 100_000;

function probability(item: string, text: string): number {
  const p = Number(text);
  if (text.trim() === '' || !Number.isFinite(p) || p < 0 || p > 1)
    throw new InvalidArgumentError('faults', `${item}: probability must be in 0..1, got '${text}'`);
  return p;
}

function milliseconds(item: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (match === null)
    throw new InvalidArgumentError('faults', `${item}: expected a duration like 10ms or 4s, got '${text}'`);
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

function nth(item: string, text: string): number | number[] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  const first = Number(match?.[1]);
  const last = match?.[2] === undefined ? first : Number(match[2]);
  if (match === null || first < 1 || last < first || last > MAX_NTH)
    throw new InvalidArgumentError(
      'faults',
      `${item}: nth is a count from 1 (nth=2) or a range (nth=1-3), up to ${MAX_NTH}, got '${text}'`,
    );
  return match[2] === undefined ? first : Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

function direction(item: string, text: string): 'parent->child' | 'child->parent' {
  if (text === 'to-child' || text === 'parent->child') return 'parent->child';
  if (text === 'to-parent' || text === 'child->parent') return 'child->parent';
  throw new InvalidArgumentError('faults', `${item}: dir is to-child or to-parent, got '${text}'`);
}

function names(item: string, key: string, text: string): string | string[] {
  const list = text.split('|');
  if (list.some((name) => name === ''))
    throw new InvalidArgumentError('faults', `${item}: ${key} needs a name, or names separated by |`);
  return list.length === 1 ? list[0]! : list;
}

interface Filters extends MatchOptions {
  p?: number;
}

function filters(item: string, tokens: readonly string[]): Filters {
  const out: { -readonly [K in keyof Filters]: Filters[K] } = {};
  for (const token of tokens) {
    const [key, value] = token.split('=', 2) as [string, string | undefined];
    if (value === undefined || value === '')
      throw new InvalidArgumentError('faults', `${item}: filter '${token}' needs a value (key=value; ${FILTERS})`);
    if (key === 'dir') out.direction = direction(item, value);
    else if (key === 'type') out.type = names(item, key, value);
    else if (key === 'fn') out.function = names(item, key, value);
    else if (key === 'nth') out.nth = nth(item, value);
    else if (key === 'from') out.fromMs = milliseconds(item, value);
    else if (key === 'until') out.untilMs = milliseconds(item, value);
    else if (key === 'p') out.p = probability(item, value);
    else throw new InvalidArgumentError('faults', `${item}: unknown filter '${key}' (${FILTERS})`);
  }
  if (out.fromMs !== undefined && out.untilMs !== undefined && out.untilMs <= out.fromMs)
    throw new InvalidArgumentError('faults', `${item}: until must come after from`);
  return out;
}

function rule(item: string): FaultRule {
  const [head, ...rest] = item.split(/\s+/) as [string, ...string[]];
  const [name, value] = head.split('=', 2) as [string, string | undefined];
  const f = filters(item, rest);
  const p = (fallback: number | undefined): { p?: number } =>
    value !== undefined ? { p: probability(item, value) } : fallback === undefined ? {} : { p: fallback };
  const noValue = (): void => {
    if (value !== undefined) throw new InvalidArgumentError('faults', `${item}: ${name} takes no value`);
  };
  switch (name) {
    case 'drop':
      return drop({ ...f, ...p(f.p) });
    case 'duplicate':
      return duplicate({ ...f, ...p(f.p) });
    case 'corrupt':
      return corrupt({ ...f, ...p(f.p) });
    case 'delay': {
      if (value === undefined)
        throw new InvalidArgumentError('faults', `${item}: delay needs a duration, e.g. delay=4s`);
      const [ms, jitter] = value.split('~', 2) as [string, string | undefined];
      return delay({
        ...f,
        ms: milliseconds(item, ms),
        ...(jitter === undefined ? {} : { jitterMs: milliseconds(item, jitter) }),
      });
    }
    case 'reorder': {
      const [pText, window] = (value ?? '').split('@', 2) as [string, string | undefined];
      return reorder({
        ...f,
        ...(pText === '' ? {} : { p: probability(item, pText) }),
        ...(window === undefined ? {} : { windowMs: milliseconds(item, window) }),
      });
    }
    case 'kill':
      noValue();
      return crash({ ...f });
    case 'partition': {
      noValue();
      const extra = Object.keys(f).filter((key) => key !== 'fromMs' && key !== 'untilMs');
      if (extra.length > 0)
        throw new InvalidArgumentError('faults', `${item}: partition takes only from= and until= (it cuts both ways)`);
      return partition({
        between: RELAY_ENDS,
        ...(f.fromMs === undefined ? {} : { fromMs: f.fromMs }),
        ...(f.untilMs === undefined ? {} : { untilMs: f.untilMs }),
      });
    }
    default:
      throw new InvalidArgumentError('faults', `unknown fault '${name}' in '${item}' (${ACTIONS})`);
  }
}

/** The rules' source texts, in plan order (rule n of the report is text n). */
export function faultRuleTexts(spec: string): string[] {
  return spec
    .split(',')
    .map((s) => s.trim().replace(/\s+/g, ' '))
    .filter((s) => s !== '');
}

/** Parses a fault spec into rules. @throws InvalidArgumentError naming the bad item. */
export function parseFaultSpec(spec: string): FaultRule[] {
  const rules = faultRuleTexts(spec).map(rule);
  if (rules.length === 0) throw new InvalidArgumentError('faults', 'empty fault spec');
  return rules;
}
