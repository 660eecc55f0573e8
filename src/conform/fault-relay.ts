/**
 * The fault-injecting relay, run as a process in the target's place:
 * `fault-relay --faults <spec> --seed <n> -- <child argv...>`.
 *
 * Towards the kit it is a child: a ROUTER connected to the kit's `COMLINK_ZMQ_PORT`. Towards the real
 * worker it is a parent: a DEALER bound on a free loopback port, handed to the worker as its
 * `COMLINK_ZMQ_PORT`. Every message crossing it goes through the simulator's {@link FaultEngine} with a
 * seeded PRNG (drop, delay with jitter, duplicate, reorder, corrupt), on the real transport. It exits with
 * the worker's status, forwards SIGTERM/SIGINT, and writes its statistics to `MULTIFROST_FAULT_STATS_DIR`.
 */
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCodec } from '../protocol/codec.js';
import { Prng } from '../time/prng.js';
import { isMainModule } from './main-module.js';
import { realClock } from '../time/real-clock.js';
import { FaultEngine } from '../transport/sim/fault-engine.js';
import type { Direction, SimMessage } from '../transport/sim/faults.js';
import type { Frames, Socket } from '../transport/transport.js';
import { endpointPort, loopbackEndpoint } from '../transport/transport.js';
import { ZmqTransport } from '../transport/zmq/index.js';
import { FAULT_STATS_DIR_ENV } from './fault-relay-command.js';
import { parseFaultSpec } from './fault-spec.js';

/** Counters per direction, written to the stats file. */
export interface RelayStats {
  seed: number;
  spec: string;
  'parent->child': DirectionStats;
  'child->parent': DirectionStats;
  childExit: { code: number | null; signal: string | null } | undefined;
}

export interface DirectionStats {
  messages: number;
  dropped: number;
  delayed: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
}

const emptyStats = (): DirectionStats => ({ messages: 0, dropped: 0, delayed: 0, duplicated: 0, reordered: 0, corrupted: 0 });

function describe(frames: Frames): { message: unknown; type: string | undefined; fn: string | undefined } {
  try {
    const message = defaultCodec.decodeValue(frames[frames.length - 1]!);
    const map = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
    return { message, type: typeof map['type'] === 'string' ? map['type'] : undefined, fn: typeof map['function'] === 'string' ? map['function'] : undefined };
  } catch {
    return { message: undefined, type: undefined, fn: undefined };
  }
}

class Relay {
  private seq = 0;
  private kitIdentity: Uint8Array | undefined;
  /** Release time per direction: a delayed message holds back later ones (order kept, as on a real pipe). */
  private readonly releaseAt: Record<'parent->child' | 'child->parent', number> = { 'parent->child': 0, 'child->parent': 0 };
  readonly stats: RelayStats;

  constructor(
    private readonly engine: FaultEngine,
    private readonly upstream: Socket,
    private readonly downstream: Socket,
    seed: number,
    spec: string,
    private readonly statsFile: string | undefined,
  ) {
    this.stats = { seed, spec, 'parent->child': emptyStats(), 'child->parent': emptyStats(), childExit: undefined };
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
      const identity = this.kitIdentity;
      if (identity === undefined) continue; // nobody to route to yet; a ROUTER would drop it too
      this.forward('child->parent', frames, (out) => this.upstream.send([identity, ...out]));
    }
  }

  private forward(direction: 'parent->child' | 'child->parent', frames: Frames, send: (frames: Frames) => Promise<void>): void {
    const stats = this.stats[direction];
    stats.messages += 1;
    const { message, type, fn } = describe(frames);
    const sim: SimMessage = {
      seq: ++this.seq,
      direction: direction as Direction,
      from: direction === 'parent->child' ? 'kit' : 'worker',
      to: direction === 'parent->child' ? 'worker' : 'kit',
      fromRole: direction === 'parent->child' ? 'dealer' : 'router',
      toRole: direction === 'parent->child' ? 'router' : 'dealer',
      endpoint: 'relay',
      frames,
      message,
      type,
      function: fn,
    };
    const decision = this.engine.decide(sim, realClock.nowMs());
    for (const applied of decision.applied) {
      if (applied.fault === 'drop') stats.dropped += 1;
      else if (applied.fault === 'delay') stats.delayed += 1;
      else if (applied.fault === 'duplicate') stats.duplicated += 1;
      else if (applied.fault === 'reorder') stats.reordered += 1;
      else if (applied.fault === 'corrupt') stats.corrupted += 1;
    }
    this.saveStats();
    if (decision.drop) return;
    const out = decision.frames ?? frames;
    const now = realClock.nowMs();
    const ordered = Math.max(now + decision.delayMs, this.releaseAt[direction]);
    this.releaseAt[direction] = ordered;
    const at = ordered + decision.unorderedDelayMs;
    const deliver = (): void => {
      for (let copy = 0; copy < decision.copies; copy++) void send(out).catch(() => undefined);
    };
    if (at <= now) deliver();
    else realClock.setTimer(at - now, deliver);
  }
}

function parseRelayArgs(argv: readonly string[]): { spec: string; seed: number; child: string[] } {
  const split = argv.indexOf('--');
  const own = argv.slice(0, split);
  const spec = own[own.indexOf('--faults') + 1] ?? '';
  const seed = Number(own[own.indexOf('--seed') + 1] ?? '1');
  return { spec, seed, child: argv.slice(split + 1) };
}

async function main(): Promise<void> {
  const { spec, seed, child } = parseRelayArgs(process.argv.slice(2));
  const kitPort = Number(process.env['COMLINK_ZMQ_PORT']);
  const transport = new ZmqTransport();
  const upstream = transport.router();
  const downstream = transport.dealer();
  const bound = await downstream.bind(loopbackEndpoint(0));
  await upstream.connect(loopbackEndpoint(kitPort));
  const dir = process.env[FAULT_STATS_DIR_ENV];
  const statsFile = dir === undefined || dir === '' ? undefined : join(dir, `relay-${process.pid}.json`);
  // Each relay of a run draws from its own stream: the run's seed plus the number of relays before it
  // (scenarios run one after another, so a run replays from its seed), else every scenario would see
  // the same few decisions.
  const runSeed = seed + (dir === undefined || dir === '' ? 0 : readdirSync(dir).length);
  const relay = new Relay(new FaultEngine(parseFaultSpec(spec), new Prng(runSeed)), upstream, downstream, runSeed, spec, statsFile);
  const [command, ...args] = child;
  const worker = spawn(command!, args, {
    env: { ...process.env, COMLINK_ZMQ_PORT: String(endpointPort(bound)) },
    stdio: 'inherit',
  });
  const forward = (signal: NodeJS.Signals): void => void worker.kill(signal);
  process.on('SIGTERM', () => forward('SIGTERM'));
  process.on('SIGINT', () => forward('SIGINT'));
  void relay.pumpUpstream().catch(() => undefined);
  void relay.pumpDownstream().catch(() => undefined);
  const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    worker.once('exit', (code, signal) => resolve({ code, signal }));
    worker.once('error', () => resolve({ code: 127, signal: null }));
  });
  relay.stats.childExit = exit;
  relay.saveStats();
  await Promise.all([upstream.close(), downstream.close()]);
  process.exit(exit.code ?? (exit.signal === 'SIGTERM' ? 0 : 1));
}


// Only as a script: importing this module (for its types) must not start a relay.
if (isMainModule(import.meta.url)) await main();
