/**
 * A race between worker processes in connect mode and the kit's own registry writer (`ServiceRegistry`,
 * src/registry) on one `services.json`: while the workers register and unregister, the kit's writer
 * registers and unregisters ids of its own, and a reader samples the file without a lock. The writer rests
 * as long as each operation took before the next one, so it holds the lock about half the time: enough
 * contention for every worker write to meet a kit write, without starving workers that poll every 100 ms.
 * Every sample must be a valid JSON object (atomic writes, MF-REG-6); every id whose state was settled
 * during a read must be there exactly when the kit left it registered, and a worker's entry must be there
 * for as long as it runs (no lost update: mutations hold the lock, MF-REG-3).
 * @see MF-REG-3, MF-REG-6, MF-REG-9
 */
import { ServiceRegistry } from '../../src/registry/index.js';
import type { Clock } from '../../src/time/clock.js';
import type { RegistryHome } from './connect-home.js';

/** A problem the race found, with the clause it breaks. */
export interface RaceProblem {
  readonly clause: 'MF-REG-3' | 'MF-REG-6' | 'MF-REG-9';
  readonly text: string;
}

/** One kit id: its state as the kit's writer left it. */
interface KitId {
  readonly id: string;
  readonly port: number;
  registered: boolean;
  /** True while an operation on it is in flight. */
  busy: boolean;
  /** Bumped by every operation, so a sample can tell whether the id was settled during the whole read. */
  version: number;
}

/** What the race knows about one worker. */
export interface RacingWorker {
  readonly serviceId: string;
  /** True from the first sample that shows its entry until the kit starts stopping it. */
  running: boolean;
  /** Set once its entry was seen. */
  seen: boolean;
}

export interface RaceOptions {
  /** Kit ids. Default 12. */
  ids?: number;
  /** Kit operations (register or unregister) at least. Default 200. */
  minOperations?: number;
  /** Stop the writer after this many operations even if the workers are not done. Default 3000. */
  maxOperations?: number;
}

export class RegistryRace {
  readonly problems: RaceProblem[] = [];
  readonly workers = new Map<string, RacingWorker>();
  operations = 0;
  samples = 0;
  private readonly kitIds: KitId[] = [];
  private workersDone = false;
  private sampling = true;
  private writer: Promise<void> | undefined;
  private sampler: Promise<void> | undefined;
  private readonly minOperations: number;
  private readonly maxOperations: number;

  constructor(
    private readonly home: RegistryHome,
    private readonly clock: Clock,
    options: RaceOptions = {},
  ) {
    const ids = options.ids ?? 12;
    this.minOperations = options.minOperations ?? 200;
    this.maxOperations = options.maxOperations ?? 3000;
    for (let i = 0; i < ids; i++)
      this.kitIds.push({ id: `kit-race-${i}`, port: 30_000 + i, registered: false, busy: false, version: 0 });
  }

  /** Adds a worker whose entry is tracked (call before it starts). */
  watch(serviceId: string): RacingWorker {
    const worker: RacingWorker = { serviceId, running: false, seen: false };
    this.workers.set(serviceId, worker);
    return worker;
  }

  /** Starts the kit's writer and the sampling reader. */
  start(): void {
    this.writer = this.write(this.kitIds);
    this.sampler = this.sample();
  }

  /** Lets the writer stop once it did its minimum; resolves when it and the reader have stopped. */
  async finish(): Promise<void> {
    this.workersDone = true;
    await this.writer;
    this.sampling = false;
    await this.sampler;
  }

  /** The kit ids left registered, with their ports. */
  registeredKitIds(): Map<string, number> {
    return new Map(this.kitIds.filter((k) => k.registered).map((k) => [k.id, k.port]));
  }

  /** Every kit id. */
  allKitIds(): string[] {
    return this.kitIds.map((k) => k.id);
  }

  /** Checks a read of the file taken when nothing is in flight any more (the end state). */
  checkFinal(members: Readonly<Record<string, unknown>>): void {
    this.checkKitIds(members, new Map(this.kitIds.map((k) => [k.id, k.version])), 'at the end');
  }

  private problem(clause: RaceProblem['clause'], text: string): void {
    if (this.problems.length < 20) this.problems.push({ clause, text });
  }

  /** The writer: toggles its ids in a fixed stride, each operation under the registry's lock. */
  private async write(ids: KitId[]): Promise<void> {
    // The kit's writer waits longer than the 10 s default: a lock a worker left without a pid (killed between
    // creating and writing it) is stale only once 10 s old, and the writer must outlast it to judge the worker.
    const registry = new ServiceRegistry({ baseDir: this.home.baseDir, clock: this.clock, lockTimeoutMs: 15_000 });
    for (let step = 0; ; step++) {
      if (this.operations >= this.maxOperations) return;
      if (this.workersDone && this.operations >= this.minOperations) return;
      const kit = ids[(step * 5) % ids.length]!;
      const startedMs = this.clock.nowMs();
      kit.busy = true;
      kit.version++;
      try {
        if (kit.registered) kit.registered = !(await registry.unregister(kit.id));
        else {
          await registry.register(kit.id, kit.port);
          kit.registered = true;
        }
      } catch (error) {
        this.problem('MF-REG-3', `the kit's writer failed on ${kit.id}: ${(error as Error).message}`);
        return;
      } finally {
        kit.version++;
        kit.busy = false;
        this.operations++;
      }
      await this.clock.sleep(Math.min(50, Math.max(2, this.clock.nowMs() - startedMs)));
    }
  }

  /** Reads the file without a lock, as discovery does, as often as it can. */
  private async sample(): Promise<void> {
    while (this.sampling) {
      const versions = new Map(this.kitIds.filter((k) => !k.busy).map((k) => [k.id, k.version]));
      const running = [...this.workers.values()].filter((w) => w.running).map((w) => w.serviceId);
      const read = await this.home
        .read()
        .catch((error: unknown) => ({ state: 'error' as const, reason: (error as Error).message }));
      this.samples++;
      if (read.state === 'ok') {
        this.checkKitIds(read.members, versions, 'during the race');
        for (const serviceId of running) {
          const worker = this.workers.get(serviceId)!;
          if (worker.running && !(serviceId in read.members))
            this.problem('MF-REG-3', `the entry of running worker ${serviceId} was missing from a read (lost update)`);
        }
        for (const worker of this.workers.values()) {
          if (!worker.seen && worker.serviceId in read.members) {
            worker.seen = true;
            worker.running = true;
          }
        }
      } else if (read.state === 'unusable') {
        this.problem(
          'MF-REG-6',
          `a reader saw services.json half-written or unusable (${read.reason}): ${JSON.stringify(read.text.slice(0, 120))}`,
        );
      } else if (read.state === 'error') {
        this.problem('MF-REG-6', `a reader could not read services.json: ${read.reason}`);
      } else if (this.kitIds.some((k) => k.registered && !k.busy && versions.get(k.id) === k.version)) {
        this.problem(
          'MF-REG-6',
          'a reader found no services.json while entries were registered (the file was removed and written again, not replaced by a rename)',
        );
      }
      await this.clock.sleep(5);
    }
  }

  /** Ids settled during the whole read (same version before and after, not busy) must match the kit's state. */
  private checkKitIds(
    members: Readonly<Record<string, unknown>>,
    versionsBefore: Map<string, number>,
    when: string,
  ): void {
    for (const kit of this.kitIds) {
      if (kit.busy || versionsBefore.get(kit.id) !== kit.version) continue;
      const present = Object.prototype.hasOwnProperty.call(members, kit.id);
      if (kit.registered && !present)
        this.problem('MF-REG-3', `kit id ${kit.id}, registered by the kit's writer, was missing ${when} (lost update)`);
      if (!kit.registered && present)
        this.problem(
          'MF-REG-3',
          `kit id ${kit.id}, unregistered by the kit's writer, was back ${when} (a stale copy of the file was written over a newer one)`,
        );
      const entry = members[kit.id] as { port?: unknown } | undefined;
      if (kit.registered && present && entry?.port !== kit.port)
        this.problem(
          'MF-REG-3',
          `kit id ${kit.id} has port ${JSON.stringify(entry?.port)} ${when}, the kit wrote ${kit.port}`,
        );
    }
  }
}
