/** What a fault relay writes to its statistics file (read back by the report's fault section). */

/** Counters per direction, written to the stats file. */
export interface RelayStats {
  seed: number;
  spec: string;
  'parent->child': DirectionStats;
  'child->parent': DirectionStats;
  childExit: { code: number | null; signal: string | null } | undefined;
  /**
   * Why the worker may exit on its own, when the kit asked it to: a `crash` CALL, a SHUTDOWN, a forwarded
   * signal. Undefined: an exit is the worker failing under faults.
   */
  exitCause: string | undefined;
  /** Well-formed calls delivered to the worker and never answered within the answer window. */
  unanswered: Array<{ id: string; function: string; afterMs: number }>;
  /** How many times each rule fired (index = rule number - 1). */
  firedCounts: number[];
  /** The first {@link MAX_FIRED_KEPT} fired faults, in order. */
  fired: FiredFault[];
}

export interface DirectionStats {
  messages: number;
  dropped: number;
  delayed: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
}

export const emptyStats = (): DirectionStats => ({
  messages: 0,
  dropped: 0,
  delayed: 0,
  duplicated: 0,
  reordered: 0,
  corrupted: 0,
});

/** One fault that fired on one message. */
export interface FiredFault {
  /** 1-based rule number in the `--faults` spec. */
  rule: number;
  fault: string;
  /** The relay's message number (1-based, both directions together). */
  msg: number;
  dir: 'to-child' | 'to-parent';
  type: string | undefined;
  fn: string | undefined;
  id: string | undefined;
  /** Since the worker started, ms. */
  atMs: number;
  /** e.g. `delay 4000 ms`. */
  detail: string | undefined;
}

/** Fired faults kept per relay (counts go on past it): enough to show which messages, bounded for random rules. */
export const MAX_FIRED_KEPT = 50;
