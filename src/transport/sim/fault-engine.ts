import type { Prng } from '../../time/prng.js';
import type { Frames } from '../transport.js';
import type { FaultRule, MatchOptions, PartitionRule, SimMessage } from './faults.js';

/** One fault applied to one message, as recorded in the trace. */
export interface AppliedFault {
  readonly fault: FaultRule['fault'] | 'hold';
  /** Index of the rule in the plan (absent for runtime faults such as `network.partition()`). */
  readonly rule?: number;
  readonly [detail: string]: unknown;
}

/** What happens to one sent message. */
export interface FaultDecision {
  drop: boolean;
  /** Extra delay in ms, kept in per-connection order. */
  delayMs: number;
  /** Extra delay in ms that later messages may overtake. */
  unorderedDelayMs: number;
  copies: number;
  /** Replacement frames when corrupted. */
  frames: Frames | undefined;
  /** Process to crash when the message arrives (the message is then lost). */
  crash: string | undefined;
  readonly applied: AppliedFault[];
}

/**
 * Applies a fault plan to messages. Holds the per-rule `nth` counters; draws every random decision from
 * the one PRNG it is given, and only for messages that passed a rule's filters, so adding traffic on an
 * unrelated connection does not shift the draws of a filtered rule.
 */
export class FaultEngine {
  private readonly rules: readonly FaultRule[];
  private readonly counts: number[];
  private readonly prng: Prng;

  constructor(rules: readonly FaultRule[], prng: Prng) {
    this.rules = rules;
    this.counts = rules.map(() => 0);
    this.prng = prng;
  }

  /** True when the plan has no rule at all (the network then takes its fast path). */
  get empty(): boolean {
    return this.rules.length === 0;
  }

  decide(message: SimMessage, nowMs: number): FaultDecision {
    const decision: FaultDecision = {
      drop: false,
      delayMs: 0,
      unorderedDelayMs: 0,
      copies: 1,
      frames: undefined,
      crash: undefined,
      applied: [],
    };
    for (let index = 0; index < this.rules.length && !decision.drop; index++) {
      const rule = this.rules[index]!;
      if (rule.fault === 'partition') {
        if (cuts(rule, message, nowMs)) {
          decision.drop = true;
          decision.applied.push({ fault: 'partition', rule: index });
        }
        continue;
      }
      if (this.matches(index, rule, message, nowMs)) this.apply(index, rule, message, decision);
    }
    return decision;
  }

  private matches(index: number, rule: MatchOptions, message: SimMessage, nowMs: number): boolean {
    if (rule.direction !== undefined && rule.direction !== message.direction) return false;
    if (!oneOf(rule.type, message.type) || !oneOf(rule.function, message.function)) return false;
    if ((rule.fromMs !== undefined && nowMs < rule.fromMs) || (rule.untilMs !== undefined && nowMs >= rule.untilMs))
      return false;
    if (rule.from !== undefined && rule.from !== message.from) return false;
    if (rule.to !== undefined && rule.to !== message.to) return false;
    if (rule.endpoint !== undefined && rule.endpoint !== message.endpoint) return false;
    if (rule.where !== undefined && !rule.where(message)) return false;
    const count = ++this.counts[index]!;
    if (rule.nth !== undefined && !(typeof rule.nth === 'number' ? rule.nth === count : rule.nth.includes(count)))
      return false;
    const p = rule.p ?? 1;
    return p >= 1 || this.prng.chance(p);
  }

  private apply(
    index: number,
    rule: Exclude<FaultRule, PartitionRule>,
    message: SimMessage,
    decision: FaultDecision,
  ): void {
    switch (rule.fault) {
      case 'drop':
        decision.drop = true;
        decision.applied.push({ fault: 'drop', rule: index });
        return;
      case 'delay': {
        const jitter = rule.jitterMs ?? 0;
        const ms = Math.max(0, rule.ms + (jitter > 0 ? this.prng.int(-jitter, jitter) : 0));
        decision.delayMs += ms;
        decision.applied.push({ fault: 'delay', rule: index, ms });
        return;
      }
      case 'duplicate': {
        const copies = rule.copies ?? 1;
        decision.copies += copies;
        decision.applied.push({ fault: 'duplicate', rule: index, copies });
        return;
      }
      case 'reorder': {
        const ms = this.prng.int(0, rule.windowMs ?? 10);
        decision.unorderedDelayMs += ms;
        decision.applied.push({ fault: 'reorder', rule: index, ms });
        return;
      }
      case 'corrupt':
        this.corrupt(index, rule.mode ?? 'flip', rule.bits ?? 1, decision.frames ?? message.frames, decision);
        return;
      case 'crash': {
        const process = rule.process ?? message.to;
        decision.crash = process;
        decision.applied.push({ fault: 'crash', rule: index, process });
        return;
      }
    }
  }

  /** Corrupts a copy of the last frame; the sender's buffers are never touched. */
  private corrupt(
    index: number,
    mode: 'flip' | 'truncate',
    bits: number,
    frames: Frames,
    decision: FaultDecision,
  ): void {
    const last = frames[frames.length - 1];
    if (last === undefined || last.length === 0) {
      decision.applied.push({ fault: 'corrupt', rule: index, skipped: 'empty frame' });
      return;
    }
    const copy = frames.slice();
    if (mode === 'truncate') {
      const length = this.prng.int(0, last.length - 1);
      copy[copy.length - 1] = last.slice(0, length);
      decision.applied.push({ fault: 'corrupt', rule: index, mode, length });
    } else {
      const bytes = Uint8Array.from(last); // not last.slice(): on a Buffer that is a view, and would corrupt the sender's bytes
      const flipped: number[] = [];
      for (let i = 0; i < bits; i++) {
        const bit = this.prng.int(0, bytes.length * 8 - 1);
        bytes[bit >>> 3]! ^= 1 << (bit & 7);
        flipped.push(bit);
      }
      copy[copy.length - 1] = bytes;
      decision.applied.push({ fault: 'corrupt', rule: index, mode, bits: flipped });
    }
    decision.frames = copy;
  }
}

function cuts(rule: PartitionRule, message: SimMessage, nowMs: number): boolean {
  const [a, b] = rule.between;
  const between = (message.from === a && message.to === b) || (message.from === b && message.to === a);
  return between && nowMs >= (rule.fromMs ?? 0) && (rule.untilMs === undefined || nowMs < rule.untilMs);
}

/** A `type` or `function` filter: absent passes everything, else the value must be (one of) it. */
function oneOf(filter: string | readonly string[] | undefined, value: string | undefined): boolean {
  if (filter === undefined) return true;
  return value !== undefined && (typeof filter === 'string' ? filter === value : filter.includes(value));
}
