/**
 * The `--faults` language: comma-separated `name=value` items, each a rule of the simulator's fault plan
 * (src/transport/sim/faults.ts) applied to both directions of the real connection:
 * - `drop=P`            drop a message with probability P (0..1)
 * - `delay=MSms[~Jms]`  add MS ms of latency, plus uniform jitter of ±J ms (order kept)
 * - `duplicate=P`       deliver an extra copy with probability P
 * - `reorder=P[@Wms]`   with probability P, hold a message up to W ms (default 10) so later ones overtake it
 * - `corrupt=P`         flip one bit of the payload with probability P
 * @example parseFaultSpec('drop=0.05,delay=10ms~5ms,duplicate=0.01')
 */
import { InvalidArgumentError } from '../errors.js';
import type { FaultRule } from '../transport/sim/faults.js';
import { corrupt, delay, drop, duplicate, reorder } from '../transport/sim/faults.js';

function probability(item: string, text: string): number {
  const p = Number(text);
  if (!Number.isFinite(p) || p < 0 || p > 1)
    throw new InvalidArgumentError('faults', `${item}: probability must be in 0..1, got '${text}'`);
  return p;
}

function milliseconds(item: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (match === null) throw new InvalidArgumentError('faults', `${item}: expected a duration like 10ms, got '${text}'`);
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

/** Parses a fault spec into rules. @throws InvalidArgumentError naming the bad item. */
export function parseFaultSpec(spec: string): FaultRule[] {
  const rules: FaultRule[] = [];
  for (const item of spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const [name, value] = item.split('=', 2) as [string, string | undefined];
    if (value === undefined) throw new InvalidArgumentError('faults', `${item}: expected name=value`);
    switch (name.trim()) {
      case 'drop':
        rules.push(drop({ p: probability(item, value) }));
        break;
      case 'duplicate':
        rules.push(duplicate({ p: probability(item, value) }));
        break;
      case 'corrupt':
        rules.push(corrupt({ p: probability(item, value) }));
        break;
      case 'delay': {
        const [ms, jitter] = value.split('~', 2) as [string, string | undefined];
        rules.push(
          delay({
            ms: milliseconds(item, ms),
            ...(jitter === undefined ? {} : { jitterMs: milliseconds(item, jitter) }),
          }),
        );
        break;
      }
      case 'reorder': {
        const [p, window] = value.split('@', 2) as [string, string | undefined];
        rules.push(
          reorder({
            p: probability(item, p),
            ...(window === undefined ? {} : { windowMs: milliseconds(item, window) }),
          }),
        );
        break;
      }
      default:
        throw new InvalidArgumentError('faults', `unknown fault '${name}' (drop, delay, duplicate, reorder, corrupt)`);
    }
  }
  if (rules.length === 0) throw new InvalidArgumentError('faults', 'empty fault spec');
  return rules;
}
