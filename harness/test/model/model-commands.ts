/**
 * The fast-check commands: each one applies itself to the real system and to the model, then checks every
 * postcondition (postconditions.ts). `check` reads only the model. `toString` is what a shrunk counterexample
 * prints, so it names the command and its arguments and nothing that depends on the run.
 */
import fc from 'fast-check';
import * as config from './model-config.js';
import { type CallSpec, type EchoFault, describeCall } from './model-config.js';
import type { ParentChildModel } from './parent-child-model.js';
import { coverage } from './coverage.js';
import { checkPostconditions } from './postconditions.js';
import type { RealWorld } from './real-world.js';

export type ModelCommand = fc.AsyncCommand<ParentChildModel, RealWorld>;

/** Optional transcript of every command run (MF_MODEL_VERBOSE=1), for replays. */
const verbose = process.env['MF_MODEL_VERBOSE'] === '1';

abstract class Step implements ModelCommand {
  abstract check(model: Readonly<ParentChildModel>): boolean;
  abstract toString(): string;
  protected abstract apply(model: ParentChildModel, real: RealWorld): Promise<void>;

  async run(model: ParentChildModel, real: RealWorld): Promise<void> {
    await this.apply(model, real);
    model.advance(0); // what the command set off in this millisecond, as real.advance(0) did
    real.transcript.push(`t=${model.nowMs} ${this.toString()}`);
    if (verbose) console.log(real.transcript.at(-1));
    checkPostconditions(model, real, this.toString());
    coverage.add(`command ${this.toString().replace(/\(.*$/, '')}`);
  }
}

class Call extends Step {
  constructor(private readonly spec: CallSpec) {
    super();
  }
  check(): boolean {
    return true; // also after stop() or giving up: the call must then fail fast
  }
  protected async apply(model: ParentChildModel, real: RealWorld): Promise<void> {
    const n = model.call(this.spec);
    await real.call(n, this.spec);
  }
  toString(): string {
    return describeCall(this.spec);
  }
}

class Crash extends Step {
  check(model: Readonly<ParentChildModel>): boolean {
    return model.worker === 'running' && model.childAlive;
  }
  protected async apply(model: ParentChildModel, real: RealWorld): Promise<void> {
    model.crash();
    await real.crash();
  }
  toString(): string {
    return 'Crash';
  }
}

class Partition extends Step {
  check(model: Readonly<ParentChildModel>): boolean {
    return model.link;
  }
  protected async apply(model: ParentChildModel, real: RealWorld): Promise<void> {
    model.link = false;
    await real.partition();
  }
  toString(): string {
    return 'Partition';
  }
}

class Heal extends Step {
  check(model: Readonly<ParentChildModel>): boolean {
    return !model.link;
  }
  protected async apply(model: ParentChildModel, real: RealWorld): Promise<void> {
    model.link = true;
    await real.heal();
  }
  toString(): string {
    return 'Heal';
  }
}

/** The next `count` heartbeat echoes (ready probes included) are dropped or delayed. */
class EchoFaults extends Step {
  constructor(
    private readonly fault: EchoFault,
    private readonly count: number,
  ) {
    super();
  }
  check(model: Readonly<ParentChildModel>): boolean {
    return model.worker === 'running';
  }
  protected async apply(model: ParentChildModel, real: RealWorld): Promise<void> {
    for (let i = 0; i < this.count; i++) {
      model.echoFaults.push(this.fault);
      real.echoFaults.push(this.fault);
    }
    await real.advance(0);
  }
  toString(): string {
    return this.fault === 'drop' ? `DropEchoes(${this.count})` : `DelayEchoes(${this.count} by ${this.fault} ms)`;
  }
}

/** The next `count` replies come twice: the second copy must be ignored (MF-CALL-12). */
class DuplicateReplies extends Step {
  constructor(private readonly count: number) {
    super();
  }
  check(model: Readonly<ParentChildModel>): boolean {
    return model.worker === 'running';
  }
  protected async apply(model: ParentChildModel, real: RealWorld): Promise<void> {
    model.duplicateReplies += this.count; // nothing else changes: a duplicate finds no pending call
    real.duplicateReplies += this.count;
    await real.advance(0);
  }
  toString(): string {
    return `DuplicateReplies(${this.count})`;
  }
}

class Advance extends Step {
  constructor(private readonly deltaMs: number) {
    super();
  }
  check(): boolean {
    return true;
  }
  protected async apply(model: ParentChildModel, real: RealWorld): Promise<void> {
    model.advance(this.deltaMs);
    await real.advance(this.deltaMs);
  }
  toString(): string {
    return `Advance(${this.deltaMs} ms)`;
  }
}

class Stop extends Step {
  check(model: Readonly<ParentChildModel>): boolean {
    return model.worker !== 'stopped';
  }
  protected async apply(model: ParentChildModel, real: RealWorld): Promise<void> {
    model.stop();
    await real.stop();
  }
  toString(): string {
    return 'Stop';
  }
}

/** A new ParentWorker (autoRestart on) on the same simulated world, after the old one stopped. */
class Restart extends Step {
  check(model: Readonly<ParentChildModel>): boolean {
    return model.worker === 'stopped' && model.link;
  }
  protected async apply(model: ParentChildModel, real: RealWorld): Promise<void> {
    model.freshWorker();
    await real.startWorker();
  }
  toString(): string {
    return 'Restart';
  }
}

const callSpec: fc.Arbitrary<CallSpec> = fc
  .oneof(
    fc.record({
      kind: fc.constantFrom('add' as const, 'fail' as const, 'exit' as const),
      size: fc.constant(0),
      durationMs: fc.constant(0),
    }),
    fc.record({
      kind: fc.constant('echo' as const),
      size: fc.constantFrom(...config.ECHO_SIZES),
      durationMs: fc.constant(0),
    }),
    fc.record({
      kind: fc.constant('sleep' as const),
      size: fc.constant(0),
      durationMs: fc.constantFrom(...config.SLEEP_MS),
    }),
    fc.record({
      kind: fc.constant('sleepFail' as const),
      size: fc.constant(0),
      durationMs: fc.constantFrom(...config.SLEEP_FAIL_MS),
    }),
  )
  .chain((call) =>
    fc
      .option(fc.constantFrom(...config.CALL_TIMEOUTS_MS), { nil: undefined })
      .map((timeoutMs): CallSpec => ({ ...call, timeoutMs })),
  );

/**
 * The command arbitrary, weighted: calls and time steps often, stop() rarely (it ends the interesting part
 * of a run until a Restart). One weighted arbitrary shrinks as well as a list of them.
 */
export function commandArbitraries(): Array<fc.Arbitrary<ModelCommand>> {
  const weighted = (arbitrary: fc.Arbitrary<ModelCommand>, weight: number) => ({ arbitrary, weight });
  return [
    fc.oneof(
      weighted(
        callSpec.map((spec) => new Call(spec)),
        8,
      ),
      weighted(
        fc.constantFrom(...config.ADVANCE_MS).map((ms) => new Advance(ms)),
        6,
      ),
      weighted(fc.constant(new Crash()), 2),
      weighted(fc.constant(new Partition()), 1),
      weighted(fc.constant(new Heal()), 2),
      weighted(
        fc
          .tuple(fc.constantFrom<EchoFault>('drop', ...config.ECHO_DELAYS_MS), fc.integer({ min: 1, max: 3 }))
          .map(([fault, count]) => new EchoFaults(fault, count)),
        2,
      ),
      weighted(
        fc.integer({ min: 1, max: 3 }).map((count) => new DuplicateReplies(count)),
        1,
      ),
      weighted(fc.constant(new Stop()), 1),
      weighted(fc.constant(new Restart()), 2),
    ),
  ];
}
