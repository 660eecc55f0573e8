/**
 * The fault plan of the simulated network: a list of rules, each written in one line.
 *
 * @example
 * const network = new SimNetwork({
 *   clock, seed: 42, describe,
 *   faults: [
 *     drop({ p: 0.05 }),
 *     delay({ ms: 10, jitterMs: 5 }),
 *     duplicate({ p: 0.01, where: (m) => m.type === 'call' }),
 *     corrupt({ direction: 'child->parent', nth: 3 }),
 *     crash({ where: (m) => m.function === 'add', nth: 2 }),
 *   ],
 * });
 *
 * Every rule is checked against every message when it is sent, in plan order. A rule matches when all its
 * filters pass (`direction`, `from`, `to`, `endpoint`, `type`, `function`, the `fromMs`..`untilMs` window,
 * `where`), then when the count of messages that passed
 * them is in `nth` (1-based), then with probability `p` (default 1). All random draws (the `p` test, jitter,
 * bit positions, ...) come from the network's one seeded PRNG, so a run replays from its seed.
 */
import type { Frames, SocketRole } from '../transport.js';

/** `parent->child` is DEALER to ROUTER (the Multifrost parent owns the DEALER); `child->parent` the reverse. */
export type Direction = 'parent->child' | 'child->parent' | 'other';

/** What a rule's predicate sees of a message (the frames on the wire, without the ROUTER's routing id). */
export interface SimMessage {
  /** Network-wide message number, 1-based, in send order. */
  readonly seq: number;
  readonly direction: Direction;
  /** Process (transport) names of the two ends. */
  readonly from: string;
  readonly to: string;
  readonly fromRole: SocketRole;
  readonly toRole: SocketRole;
  /** The bound endpoint of the connection, e.g. `tcp://127.0.0.1:40000`. */
  readonly endpoint: string;
  readonly frames: Frames;
  /** The last frame decoded by the network's `describe` (undefined without one, or when it throws). */
  readonly message: unknown;
  /** `message.type` when the decoded message is a map with a string `type`. */
  readonly type: string | undefined;
  /** `message.function` when the decoded message is a map with a string `function`. */
  readonly function: string | undefined;
}

/** The filters every rule accepts. */
export interface MatchOptions {
  /** Probability in 0..1 that a message passing the filters is hit. Default 1. */
  readonly p?: number;
  readonly where?: (message: SimMessage) => boolean;
  readonly direction?: Direction;
  /** Sending process name. */
  readonly from?: string;
  /** Receiving process name. */
  readonly to?: string;
  readonly endpoint?: string;
  /** Message type(s) (`message.type`), e.g. `'heartbeat'` or `['response', 'error']`. */
  readonly type?: string | readonly string[];
  /** Function name(s) (`message.function`). */
  readonly function?: string | readonly string[];
  /** Time window (the `nowMs` given to the engine): from this ms on (inclusive)... */
  readonly fromMs?: number;
  /** ...until this ms (exclusive). */
  readonly untilMs?: number;
  /** Hit only the nth (1-based) message(s) that passed the other filters. */
  readonly nth?: number | readonly number[];
}

export interface DropRule extends MatchOptions {
  readonly fault: 'drop';
}
export interface DelayRule extends MatchOptions {
  readonly fault: 'delay';
  /** Extra latency in ms. Order on a connection is kept (a delayed message holds back later ones). */
  readonly ms: number;
  /** Uniform jitter in ms added or subtracted (never below 0 total). Default 0. */
  readonly jitterMs?: number;
}
export interface DuplicateRule extends MatchOptions {
  readonly fault: 'duplicate';
  /** Extra copies delivered right after the original. Default 1. */
  readonly copies?: number;
}
export interface ReorderRule extends MatchOptions {
  readonly fault: 'reorder';
  /** The message may arrive up to this many ms late, and later messages may overtake it. Default 10. */
  readonly windowMs?: number;
}
export interface CorruptRule extends MatchOptions {
  readonly fault: 'corrupt';
  /** `flip` flips `bits` random bits of the last frame; `truncate` cuts it to a random shorter length. Default flip. */
  readonly mode?: 'flip' | 'truncate';
  /** Bits flipped in `flip` mode. Default 1. */
  readonly bits?: number;
}
export interface PartitionRule {
  readonly fault: 'partition';
  /** The two process names cut apart (both directions). */
  readonly between: readonly [string, string];
  /** Virtual time the cut starts, ms. Default 0. */
  readonly fromMs?: number;
  /** Virtual time the cut heals, ms. Default never. */
  readonly untilMs?: number;
}
export interface CrashRule extends MatchOptions {
  readonly fault: 'crash';
  /** The process crashed when a matching message arrives; default the receiving one. The message is lost. */
  readonly process?: string;
}

export type FaultRule = DropRule | DelayRule | DuplicateRule | ReorderRule | CorruptRule | PartitionRule | CrashRule;

/** Drops matching messages. */
export const drop = (options: MatchOptions = {}): DropRule => ({ fault: 'drop', ...options });
/** Delays matching messages by `ms` plus or minus `jitterMs`, keeping per-connection order. */
export const delay = (options: MatchOptions & { ms: number; jitterMs?: number }): DelayRule => ({
  fault: 'delay',
  ...options,
});
/** Delivers matching messages `copies` extra times (default once more). */
export const duplicate = (options: MatchOptions & { copies?: number } = {}): DuplicateRule => ({
  fault: 'duplicate',
  ...options,
});
/** Lets matching messages arrive up to `windowMs` late, overtaken by later ones. */
export const reorder = (options: MatchOptions & { windowMs?: number } = {}): ReorderRule => ({
  fault: 'reorder',
  ...options,
});
/** Flips bits in, or truncates, the last frame of matching messages. */
export const corrupt = (options: MatchOptions & { mode?: 'flip' | 'truncate'; bits?: number } = {}): CorruptRule => ({
  fault: 'corrupt',
  ...options,
});
/** Cuts two processes apart (messages between them are dropped) from `fromMs` until `untilMs`. */
export const partition = (options: Omit<PartitionRule, 'fault'>): PartitionRule => ({ fault: 'partition', ...options });
/** Crashes a process (default: the receiver) when a matching message arrives. */
export const crash = (options: MatchOptions & { process?: string } = {}): CrashRule => ({ fault: 'crash', ...options });

/** A rule as plain JSON for the trace's first line: every option, and a predicate as its source text. */
export function ruleToJson(rule: FaultRule): Record<string, unknown> {
  const json: Record<string, unknown> = { fault: rule.fault };
  for (const key of Object.keys(rule).sort()) {
    if (key === 'fault') continue;
    const value: unknown = (rule as unknown as Record<string, unknown>)[key];
    json[key] = typeof value === 'function' ? value.toString() : value;
  }
  return json;
}
