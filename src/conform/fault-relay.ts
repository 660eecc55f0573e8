/**
 * The fault-injecting relay, run as a process in the target's place:
 * `fault-relay --faults <spec> --seed <n> -- <child argv...>`.
 *
 * Towards the kit it is a child: a ROUTER connected to the kit's `COMLINK_ZMQ_PORT`. Towards the real
 * worker it is a parent: a DEALER bound on a free loopback port, handed to the worker as its
 * `COMLINK_ZMQ_PORT`. Every message crossing it goes through the simulator's {@link FaultEngine} with a
 * seeded PRNG (drop, delay with jitter, duplicate, reorder, corrupt, partition, kill; filtered by direction,
 * type, function, nth and time window, see fault-spec.ts), on the real transport, and each fault that fires
 * is recorded with the message it hit. It exits with
 * the worker's status (or dies of the same signal), forwards SIGTERM/SIGINT, and writes its statistics to
 * `MULTIFROST_FAULT_STATS_DIR`: what it injected, why the worker may have exited, and the well-formed calls
 * the worker never answered (see {@link AnswerWatch}).
 *
 * When the environment is not a spawn-mode one it can relay (no `COMLINK_WORKER_MODE=1`, or a
 * `COMLINK_ZMQ_PORT` that is not a port: the MF-LIFE-2 scenarios), it is transparent: it runs the worker
 * with the environment untouched and passes its exit on, so only scenarios on the fault path see faults.
 */
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROFILES, isProfileName } from '../protocol/profile.js';
import { Prng } from '../time/prng.js';
import { isMainModule } from './main-module.js';
import { realClock } from '../time/real-clock.js';
import { FaultEngine, type AppliedFault } from '../transport/sim/fault-engine.js';
import type { SimMessage } from '../transport/sim/faults.js';
import type { Frames, Socket } from '../transport/transport.js';
import { endpointPort, loopbackEndpoint } from '../transport/transport.js';
import { AnswerWatch, describe } from './answer-watch.js';
import { FAULT_ANSWER_MS_ENV, FAULT_PROFILE_ENV, FAULT_STATS_DIR_ENV } from './fault-relay-command.js';
import { parseFaultSpec, RELAY_ENDS } from './fault-spec.js';
import { RecordingTap } from './record/recording-tap.js';
import { emptyStats, MAX_FIRED_KEPT, type RelayStats } from './relay-stats.js';
import { kitTransport } from './kit-transport.js';

export type { DirectionStats, FiredFault, RelayStats } from './relay-stats.js';

class Relay {
  private seq = 0;
  /** Call id -> function, so a reply can be matched by the function of the call it answers (`fn=`). */
  private readonly callFunctions = new Map<string, string>();
  /** Time 0 of the rules' `from=`/`until=` windows: when this relay (and its worker) started. */
  private readonly startedMs = realClock.nowMs();
  /** `--record`: every message as it arrived, in the simulator's trace format. */
  recording: RecordingTap | undefined;
  private kitIdentity: Uint8Array | undefined;
  /** Release time per direction: a delayed message holds back later ones (order kept, as on a real pipe). */
  private readonly releaseAt: Record<'parent->child' | 'child->parent', number> = {
    'parent->child': 0,
    'child->parent': 0,
  };
  readonly stats: RelayStats;

  constructor(
    private readonly engine: FaultEngine,
    private readonly upstream: Socket,
    private readonly downstream: Socket,
    seed: number,
    spec: string,
    private readonly statsFile: string | undefined,
    readonly watch: AnswerWatch | undefined,
    /** Kills the worker (a `kill` rule fired). */
    private readonly killWorker: (cause: string) => void,
  ) {
    this.stats = {
      seed,
      spec,
      'parent->child': emptyStats(),
      'child->parent': emptyStats(),
      childExit: undefined,
      exitCause: undefined,
      unanswered: [],
      firedCounts: [],
      fired: [],
    };
  }

  /**
   * Writes the statistics file. Called after every message, synchronously: the kit ends a scenario by
   * killing the process group with SIGKILL, so anything not yet written would be lost.
   */
  saveStats(): void {
    if (this.statsFile === undefined) return;
    try {
      writeFileSync(this.statsFile, JSON.stringify(this.stats));
    } catch {
      // Statistics are best effort; the run's verdicts do not depend on them.
    }
  }

  /** Records why the worker may now exit on its own (first cause wins). */
  expectExit(cause: string): void {
    this.stats.exitCause ??= cause;
    this.saveStats();
  }

  async pumpUpstream(): Promise<void> {
    for await (const frames of this.upstream) {
      // [kitIdentity, empty, payload]: remember who the kit is, pass the rest on as a parent would.
      const [identity, ...rest] = frames;
      if (identity === undefined) continue;
      this.kitIdentity = identity;
      this.forward('parent->child', rest, (out) => this.downstream.send(out));
    }
  }

  async pumpDownstream(): Promise<void> {
    for await (const frames of this.downstream) {
      this.watch?.answered(frames);
      const identity = this.kitIdentity;
      if (identity === undefined) continue; // nobody to route to yet; a ROUTER would drop it too
      this.forward('child->parent', frames, (out) => this.upstream.send([identity, ...out]));
    }
  }

  private forward(
    direction: 'parent->child' | 'child->parent',
    frames: Frames,
    send: (frames: Frames) => Promise<void>,
  ): void {
    const stats = this.stats[direction];
    stats.messages += 1;
    const { message, type, fn: called } = describe(frames);
    const id = idOf(message);
    if (direction === 'parent->child' && type === 'call' && called !== undefined && id !== undefined)
      this.callFunctions.set(id, called);
    // A reply carries no function: it is matched by the function of the call it answers.
    const fn = called ?? (type === 'response' || type === 'error' ? this.callFunctions.get(id ?? '') : undefined);
    if (direction === 'parent->child' && type === 'call' && fn === 'crash') this.stats.exitCause ??= 'a crash CALL';
    if (direction === 'parent->child' && type === 'shutdown') this.stats.exitCause ??= 'a SHUTDOWN';
    const [parent, child] = RELAY_ENDS;
    const toChild = direction === 'parent->child';
    const sim: SimMessage = {
      seq: ++this.seq,
      direction,
      from: toChild ? parent : child,
      to: toChild ? child : parent,
      fromRole: toChild ? 'dealer' : 'router',
      toRole: toChild ? 'router' : 'dealer',
      endpoint: 'relay',
      frames,
      message,
      type,
      function: fn,
    };
    const atMs = realClock.nowMs() - this.startedMs;
    this.recording?.message(sim.seq, direction, frames, message, atMs);
    const decision = this.engine.decide(sim, atMs);
    for (const applied of decision.applied) {
      if (applied.fault === 'drop' || applied.fault === 'partition') stats.dropped += 1;
      else if (applied.fault === 'delay') stats.delayed += 1;
      else if (applied.fault === 'duplicate') stats.duplicated += 1;
      else if (applied.fault === 'reorder') stats.reordered += 1;
      else if (applied.fault === 'corrupt') stats.corrupted += 1;
      this.record(applied, { msg: sim.seq, dir: toChild ? 'to-child' : 'to-parent', type, fn, id, atMs });
    }
    if (decision.crash !== undefined) {
      const rule = decision.applied.find((a) => a.fault === 'crash')?.rule ?? 0;
      this.killWorker(
        `killed by the fault relay (rule ${rule + 1}, at message #${sim.seq} ${type ?? '?'}${fn === undefined ? '' : ` ${fn}`})`,
      );
    }
    this.saveStats();
    if (decision.drop || decision.crash !== undefined) return;
    const out = decision.frames ?? frames;
    const now = realClock.nowMs();
    const ordered = Math.max(now + decision.delayMs, this.releaseAt[direction]);
    this.releaseAt[direction] = ordered;
    const at = ordered + decision.unorderedDelayMs;
    const deliver = (): void => {
      if (direction === 'parent->child' && out === frames) this.watch?.delivered(out);
      for (let copy = 0; copy < decision.copies; copy++) void send(out).catch(() => undefined);
    };
    if (at <= now) deliver();
    else realClock.setTimer(at - now, deliver);
  }

  private record(applied: AppliedFault, on: Omit<RelayStats['fired'][number], 'rule' | 'fault' | 'detail'>): void {
    const index = applied.rule ?? 0;
    const counts = this.stats.firedCounts;
    while (counts.length <= index) counts.push(0);
    counts[index]! += 1;
    if (this.stats.fired.length >= MAX_FIRED_KEPT) return;
    const detail = applied.fault === 'delay' || applied.fault === 'reorder' ? `${String(applied['ms'])} ms` : undefined;
    this.stats.fired.push({
      rule: index + 1,
      fault: applied.fault === 'crash' ? 'kill' : applied.fault,
      detail,
      ...on,
    });
  }
}

function idOf(message: unknown): string | undefined {
  const id = typeof message === 'object' && message !== null ? (message as Record<string, unknown>)['id'] : undefined;
  return typeof id === 'string' ? id : undefined;
}

function parseRelayArgs(argv: readonly string[]): {
  spec: string;
  seed: number;
  statsDir: string | undefined;
  record: string | undefined;
  child: string[];
} {
  const split = argv.indexOf('--');
  const own = argv.slice(0, split);
  const spec = own[own.indexOf('--faults') + 1] ?? '';
  const seed = Number(own[own.indexOf('--seed') + 1] ?? '1');
  const statsDir = own.includes('--stats-dir') ? own[own.indexOf('--stats-dir') + 1] : undefined;
  const record = own.includes('--record') ? own[own.indexOf('--record') + 1] : undefined;
  return { spec, seed, statsDir, record, child: argv.slice(split + 1) };
}

/** The kit's port when the environment is a spawn-mode one the relay can stand in, else undefined. */
export function relayablePort(env: NodeJS.ProcessEnv): number | undefined {
  if (env['COMLINK_WORKER_MODE'] !== '1') return undefined;
  const text = env['COMLINK_ZMQ_PORT'] ?? '';
  if (!/^\d+$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1024 && port <= 65535 ? port : undefined;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/**
 * Starts the worker and resolves with its exit. Relaying, the worker gets a process group of its own and the
 * relay passes SIGTERM/SIGINT on to it exactly once: in one group, a signal the kit sends to the group would
 * reach the worker twice (directly and forwarded), and a second SIGTERM kills a worker that is still
 * stopping after the first. The kit reaps the worker's group with the relay's (it stops the relay's
 * descendants), and the relay takes it down if it fails itself. Transparent (`forward` false), the worker
 * stays in the relay's group and gets the kit's signals directly.
 */
function runWorker(
  child: readonly string[],
  env: NodeJS.ProcessEnv,
  forward: ((signal: NodeJS.Signals) => void) | undefined,
): { exit: Promise<Exit>; signal: (signal: NodeJS.Signals) => void } {
  const [command, ...args] = child;
  const worker = spawn(command!, args, { env, stdio: 'inherit', detached: forward !== undefined });
  const signalWorker = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-worker.pid!, signal);
    } catch {
      worker.kill(signal);
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (forward === undefined) return; // the worker got it too: the relay waits for its exit
      forward(signal);
      signalWorker(signal);
    });
  }
  if (forward !== undefined) {
    process.on('uncaughtException', (error) => {
      process.stderr.write(`fault-relay: ${error.stack ?? error.message}\n`);
      signalWorker('SIGKILL');
      process.exit(70);
    });
  }
  const exit = new Promise<Exit>((resolve) => {
    worker.once('exit', (code, signal) => resolve({ code, signal }));
    worker.once('error', (error) => {
      process.stderr.write(`fault-relay: cannot start ${command}: ${error.message}\n`);
      resolve({ code: 127, signal: null });
    });
  });
  return { exit, signal: signalWorker };
}

/** Ends the relay as the worker ended: same status, or the same signal (so the kit sees what the worker did). */
function exitLike(exit: Exit): never {
  if (exit.signal !== null) {
    process.removeAllListeners(exit.signal);
    process.kill(process.pid, exit.signal);
  }
  process.exit(exit.code ?? 1);
}

function answerWatch(relay: () => Relay): AnswerWatch | undefined {
  const profile = process.env[FAULT_PROFILE_ENV];
  const windowMs = Number(process.env[FAULT_ANSWER_MS_ENV]);
  if (!isProfileName(profile) || !Number.isFinite(windowMs) || windowMs <= 0) return undefined;
  const namespace = process.env['MULTIFROST_NAMESPACE'] || 'default';
  return new AnswerWatch(PROFILES[profile], namespace, windowMs, (entry) => {
    relay().stats.unanswered.push(entry);
    relay().saveStats();
  });
}

async function main(): Promise<void> {
  const { spec, seed, statsDir, record, child } = parseRelayArgs(process.argv.slice(2));
  const kitPort = relayablePort(process.env);
  if (kitPort === undefined) exitLike(await runWorker(child, process.env, undefined).exit);
  const transport = kitTransport();
  const upstream = transport.router();
  const downstream = transport.dealer();
  const bound = await downstream.bind(loopbackEndpoint(0));
  await upstream.connect(loopbackEndpoint(kitPort));
  const dir = statsDir ?? process.env[FAULT_STATS_DIR_ENV];
  const statsFile = dir === undefined || dir === '' ? undefined : join(dir, `relay-${process.pid}.json`);
  // Each relay of a run draws from its own stream: the run's seed plus the number of relays before it
  // (scenarios run one after another, so a run replays from its seed), else every scenario would see
  // the same few decisions.
  const runSeed = seed + (dir === undefined || dir === '' ? 0 : readdirSync(dir).length);
  // The watch reads the relay lazily: it exists before the relay it reports to.
  const relayRef: { current?: Relay } = {};
  const watch = answerWatch(() => relayRef.current!);
  const workerRef: { current?: ReturnType<typeof runWorker> } = {};
  const relay = new Relay(
    new FaultEngine(spec.trim() === '' ? [] : parseFaultSpec(spec), new Prng(runSeed)),
    upstream,
    downstream,
    runSeed,
    spec,
    statsFile,
    watch,
    (cause) => {
      relay.expectExit(cause);
      workerRef.current?.signal('SIGKILL');
    },
  );
  relayRef.current = relay;
  if (record !== undefined) relay.recording = new RecordingTap(record, String(process.pid), child);
  relay.saveStats();
  const running = relay;
  const worker = runWorker(child, { ...process.env, COMLINK_ZMQ_PORT: String(endpointPort(bound)) }, (signal) =>
    running.expectExit(signal),
  );
  workerRef.current = worker;
  void running.pumpUpstream().catch(() => undefined);
  void running.pumpDownstream().catch(() => undefined);
  const exit = await worker.exit;
  watch?.stop();
  running.stats.childExit = exit;
  running.saveStats();
  await Promise.all([upstream.close(), downstream.close()]);
  exitLike(exit);
}

// Only as a script: importing this module (for its types) must not start a relay.
if (isMainModule(import.meta.url)) await main();
