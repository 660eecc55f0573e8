/**
 * The `./sim` subpath: the deterministic simulator for tests (ours and users'), wired to the protocol.
 *
 * `createSimNetwork()` is `new SimNetwork()` with `describe` defaulting to the protocol codec's strict
 * decoder, so fault predicates can say `where: (m) => m.type === 'call'` and traces show decoded messages.
 * The transport layer itself never imports the protocol; this barrel is where the two meet.
 */
import { defaultCodec } from './protocol/codec.js';
import {
  checkDeterminism as checkTraces,
  SimNetwork,
  type DeterminismOptions,
  type DeterminismResult,
  type SimNetworkOptions,
  type SimRunProgram,
} from './transport/sim/index.js';

export {
  SimNetwork,
  SimSocket,
  drop,
  delay,
  duplicate,
  reorder,
  corrupt,
  partition,
  crash,
  ruleToJson,
  readPlan,
} from './transport/sim/index.js';
export type {
  SimNetworkOptions,
  SimNetworkEvent,
  Hold,
  Direction,
  SimMessage,
  MatchOptions,
  FaultRule,
  DropRule,
  DelayRule,
  DuplicateRule,
  ReorderRule,
  CorruptRule,
  PartitionRule,
  CrashRule,
  AppliedFault,
  Describe,
  TraceSink,
  TracedPlan,
  SimRun,
  SimRunProgram,
  DeterminismOptions,
  DeterminismResult,
  Divergence,
} from './transport/sim/index.js';
export { VirtualClock, Prng } from './time/index.js';
export type { Clock, TimerHandle } from './time/index.js';
export type { Transport, Socket, SocketOptions, SocketRole, Frames } from './transport/transport.js';

/** Decodes a payload with the protocol's default codec (the `describe` used by {@link createSimNetwork}). */
export const describePayload = (payload: Uint8Array): unknown => defaultCodec.decodeValue(payload);

/** A {@link SimNetwork} whose `describe` defaults to the protocol codec (see the module comment). */
export function createSimNetwork(options: SimNetworkOptions): SimNetwork {
  return new SimNetwork({ describe: describePayload, ...options });
}

/**
 * The determinism self-check: runs `program` twice with one seed on fresh networks (messages decoded by the
 * protocol codec, as in {@link createSimNetwork}) and compares the traces; `result.report` shows the first
 * divergence. See docs/simulator.md.
 */
export function checkDeterminism(program: SimRunProgram, options: DeterminismOptions): Promise<DeterminismResult> {
  return checkTraces(program, { describe: describePayload, ...options });
}

// Simulated processes: the same ParentWorker/ChildWorker code on virtual time (see docs/worker.md).
export { SimLauncher } from './worker/sim/sim-launcher.js';
export type { SimProgram, SimProgramContext, SimLauncherOptions } from './worker/sim/sim-launcher.js';
export { SimHost } from './worker/sim/sim-host.js';
export { referenceProgram, ConformanceWorker } from './conform/reference-worker.js';
