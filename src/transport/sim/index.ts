/** The in-memory backend: a deterministic simulated network of ROUTER/DEALER sockets with a fault plan. */
export { SimNetwork } from './sim-network.js';
export type { SimNetworkOptions, SimNetworkEvent, Hold } from './sim-network.js';
export { SimSocket } from './sim-socket.js';
export { drop, delay, duplicate, reorder, corrupt, partition, crash, ruleToJson } from './faults.js';
export type {
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
} from './faults.js';
export type { AppliedFault } from './fault-engine.js';
export type { Describe } from './message-view.js';
export { readPlan } from './trace.js';
export type { TraceSink, TracedPlan } from './trace.js';
export { checkDeterminism } from './determinism.js';
export type { SimRun, SimRunProgram, DeterminismOptions, DeterminismResult, Divergence } from './determinism.js';
