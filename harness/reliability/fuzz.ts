/**
 * Hostile input over real sockets, both directions:
 * - to a ChildWorker (the reference worker, in this process so a crash or a prototype change would show here)
 *   from a raw ZeroMQ DEALER;
 * - to a ParentWorker (connect mode, `connectToPort`) from a raw ROUTER acting as a hostile child that also
 *   answers heartbeats and calls correctly, so the parent has real calls pending while the garbage arrives.
 * Between bad frames, valid calls must keep being served. Full size (100,000 frames each way):
 * `node --import tsx harness/reliability/fuzz.ts` (MF_FUZZ_CASES, MF_FUZZ_SEED change it).
 *
 * Checked: the worker never exits or throws, no unhandled rejection or uncaught exception, every probe call is
 * answered with its own value, no reply to a badly framed message and no reply with an id nobody sent,
 * no forbidden name is ever answered with a RESPONSE, heap growth stays below the limit, oversized payloads
 * are dropped as `too-large` (before decoding: see the security test), nothing is left pending.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { ConformanceWorker } from '../../src/conform/reference-worker.js';
import { defaultCodec } from '../../src/protocol/codec.js';
import { parentFrames, parseParentInbound } from '../../src/protocol/framing.js';
import type { Message } from '../../src/protocol/message.js';
import { createCall } from '../../src/protocol/messages.js';
import { PROFILES } from '../../src/protocol/profile.js';
import { decodeMessage } from '../../src/protocol/validate.js';
import { realClock } from '../../src/time/real-clock.js';
import type { Socket } from '../../src/transport/transport.js';
import { ZmqTransport } from '../../src/transport/zmq/index.js';
import { ParentWorker } from '../../src/worker/parent/parent-worker.js';
import { ENV_PORT } from '../../src/worker/child/child-worker.js';
import { type HostileCase, JUST_OVER_BYTES, oversizedBomb, oversizedCall, sampleCases } from './hostile-frames.js';
import { settledHeapUsed } from './memory.js';
import { rawRouterPeer } from './raw-peers.js';
import { CountingHost } from './test-host.js';

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** A valid call is made (and must be answered) after every this many bad frames. Default 100. */
  probeEvery?: number;
  /** Oversized (> 16 MiB) payloads sent among the cases. Default 2. */
  oversized?: number;
  /** Heap growth limit in bytes. Default 20 MB. */
  limitBytes?: number;
}

export interface FuzzResult {
  target: 'child' | 'parent';
  cases: number;
  probes: number;
  oversized: number;
  /** Cases by kind (frame shape / payload family). */
  kinds: Record<string, number>;
  /** Drops reported by the receiver, by reason. */
  drops: Record<string, number>;
  replies: number;
  heapGrowth: number;
  wallMs: number;
  violations: string[];
}

const PROBE_TIMEOUT_MS = 15_000;

function countKinds(cases: readonly HostileCase[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const c of cases) {
    // `bad-delimiter/field:id:wrong-type` counts as `bad-delimiter` and as `field`.
    const [first, second] = c.kind.split(':')[0]!.split('/');
    const family = second === undefined ? first! : second;
    if (second !== undefined) kinds[first!] = (kinds[first!] ?? 0) + 1;
    kinds[family] = (kinds[family] ?? 0) + 1;
  }
  return kinds;
}

/** Catches what would crash a real process: an unhandled rejection or an uncaught exception. */
function crashWatch(): { stop(): string[] } {
  const seen: string[] = [];
  const onRejection = (reason: unknown): void => void seen.push(`unhandled rejection: ${String(reason)}`);
  const onException = (error: unknown): void => void seen.push(`uncaught exception: ${String(error)}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtExceptionMonitor', onException);
  return {
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtExceptionMonitor', onException);
      return seen;
    },
  };
}

/** Interleaves `oversized` payload makers at evenly spread positions of the case list. */
function oversizedPositions(cases: number, oversized: number): Set<number> {
  const positions = new Set<number>();
  for (let i = 1; i <= oversized; i++) positions.add(Math.floor((cases * i) / (oversized + 1)));
  return positions;
}

/**
 * Reads everything a fuzzed child sends back and audits it: a reply must be well framed and valid, answer a
 * well-framed message that carried its id (never a badly framed one, never an id nobody sent), and a forbidden
 * name must never get a RESPONSE. Probe replies are handed to whoever waits for them.
 */
class ReplyAudit {
  readonly wellFramedIds = new Set<string>();
  readonly badlyFramedIds = new Set<string>();
  readonly forbiddenIds = new Set<string>();
  replies = 0;
  private readonly waiting = new Map<string, (value: unknown) => void>();

  constructor(private readonly violations: string[]) {}

  /** Remembers what a case may legitimately be answered with. */
  sent(c: HostileCase): void {
    if (c.id === undefined) return;
    (c.wellFramed ? this.wellFramedIds : this.badlyFramedIds).add(c.id);
    if (c.kind === 'forbidden-name') this.forbiddenIds.add(c.id);
  }

  /** The result of the RESPONSE to `id` (or `{ unexpected }` for another reply type). */
  expect(id: string): Promise<unknown> {
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  async read(dealer: Socket): Promise<void> {
    for await (const frames of dealer) {
      this.replies++;
      const inbound = parseParentInbound(frames);
      if (!inbound.ok) {
        this.violations.push(`child sent a badly framed reply (${inbound.error.reason})`);
        continue;
      }
      const decoded = decodeMessage(defaultCodec, inbound.payload, [PROFILES.v3, PROFILES.v4]);
      if (!decoded.ok) {
        this.violations.push(`child sent an invalid reply (${decoded.error.reason})`);
        continue;
      }
      this.audit(decoded.message);
    }
  }

  private audit(message: Message): void {
    const resolve = this.waiting.get(message.id);
    if (resolve !== undefined) {
      this.waiting.delete(message.id);
      resolve(message.type === 'response' ? message.result : { unexpected: message });
      return;
    }
    if (message.type === 'stdout' || message.type === 'stderr') return;
    if (this.badlyFramedIds.has(message.id) && !this.wellFramedIds.has(message.id))
      this.violations.push(`child answered a badly framed message (${message.id})`);
    else if (!this.wellFramedIds.has(message.id))
      this.violations.push(`child replied with an id nobody sent: ${message.id}`);
    if (message.type === 'response' && this.forbiddenIds.has(message.id))
      this.violations.push(`a forbidden name was served: ${JSON.stringify(message)}`);
  }
}

/** One valid echo CALL, which must be answered with its own value within PROBE_TIMEOUT_MS. */
async function probeChild(
  dealer: Socket,
  audit: ReplyAudit,
  number: number,
  violations: string[],
  context: () => string,
): Promise<void> {
  const id = `probe-${number}`;
  const value = { probe: id, bytes: Buffer.from(id) };
  const answered = audit.expect(id);
  await dealer.send(parentFrames(defaultCodec.encode(createCall(PROFILES.v3, id, 1.5, 'echo', [value]))));
  let timer: { cancel(): void } | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = realClock.setTimer(PROBE_TIMEOUT_MS, () => resolve('timeout'));
  });
  const result = await Promise.race([answered, timedOut]);
  timer?.cancel();
  if (result === 'timeout')
    violations.push(`probe ${id} not answered within ${PROBE_TIMEOUT_MS} ms (after ${context()})`);
  else if (!isDeepStrictEqual(result, value)) violations.push(`probe ${id} answered with ${JSON.stringify(result)}`);
}

/** Fuzzes a ChildWorker from a raw DEALER. */
export async function fuzzChild(options: FuzzOptions): Promise<FuzzResult> {
  const startedAtMs = realClock.nowMs();
  const cases = sampleCases('child', options.cases, options.seed);
  const violations: string[] = [];
  const watch = crashWatch();
  const transport = new ZmqTransport();
  const dealer = transport.dealer();
  const port = Number(/:(\d+)$/.exec(await dealer.bind('tcp://127.0.0.1:0'))![1]);
  const host = new CountingHost(process.pid, { [ENV_PORT]: String(port) });
  // Every drop is logged (no rate limit) to the host's logger, which counts them by reason.
  const running = new ConformanceWorker({
    transport,
    host,
    clock: realClock,
    logger: host.logger,
    dropLogLimit: { max: Number.POSITIVE_INFINITY },
  }).run();
  const audit = new ReplyAudit(violations);
  const readLoop = audit.read(dealer);
  let probes = 0;
  const probe = (): Promise<void> =>
    probeChild(dealer, audit, probes++, violations, () => host.lastLines.slice(-3).join(' | '));
  const every = options.probeEvery ?? 100;
  const oversized = oversizedPositions(cases.length, options.oversized ?? 2);
  const sendFailed = (error: unknown): void => void violations.push(`send failed: ${String(error)}`);
  let heapGrowth: number;
  try {
    await probe();
    const heapBefore = await settledHeapUsed();
    for (const [index, c] of cases.entries()) {
      if (oversized.has(index)) {
        const big =
          index % 2 === 0
            ? oversizedBomb(defaultCodec.maxPayloadBytes, JUST_OVER_BYTES)
            : oversizedCall(defaultCodec.maxPayloadBytes, `big-${index}`, JUST_OVER_BYTES);
        void dealer.send(parentFrames(big)).catch(sendFailed);
        await probe();
      }
      audit.sent(c);
      // Sends are not awaited one by one (at the high-water mark they queue, in order); probes pace the run.
      void dealer.send(c.frames).catch(sendFailed);
      if ((index + 1) % every === 0) await probe();
    }
    await probe();
    heapGrowth = (await settledHeapUsed()) - heapBefore;
    if (host.exits.length > 0)
      violations.push(`the child exited (${host.exits.join(', ')}): ${host.lastLines.slice(-3).join(' | ')}`);
  } finally {
    // Whatever happened above, the in-process child and the socket are released (or the process would hang).
    host.terminate();
    await running;
    await dealer.close();
    await readLoop;
  }
  violations.push(...watch.stop());
  if (host.exits.join() !== '0')
    violations.push(`child exits ${JSON.stringify(host.exits)}, expected one clean exit 0 on SIGTERM`);
  if ((host.drops.get('too-large') ?? 0) < oversized.size)
    violations.push(`${host.drops.get('too-large') ?? 0} too-large drops for ${oversized.size} oversized payloads`);
  if (heapGrowth > (options.limitBytes ?? 20 * 1024 * 1024))
    violations.push(`heap grew ${(heapGrowth / 1048576).toFixed(1)} MB`);
  return {
    target: 'child',
    cases: cases.length,
    probes,
    oversized: oversized.size,
    kinds: countKinds(cases),
    drops: Object.fromEntries(host.drops),
    replies: audit.replies,
    heapGrowth,
    wallMs: realClock.nowMs() - startedAtMs,
    violations,
  };
}

/** Fuzzes a ParentWorker from a raw ROUTER acting as its child. */
export async function fuzzParent(options: FuzzOptions): Promise<FuzzResult> {
  const startedAtMs = realClock.nowMs();
  const cases = sampleCases('parent', options.cases, options.seed);
  const violations: string[] = [];
  const watch = crashWatch();
  // The hostile child answers heartbeats and echo calls correctly, and sends the garbage in between.
  const peer = await rawRouterPeer();
  const router = peer.router;
  const worker = ParentWorker.connectToPort(peer.port, {
    transport: new ZmqTransport(),
    defaultTimeoutMs: PROBE_TIMEOUT_MS,
    heartbeatIntervalMs: 500,
    outputSink: () => undefined,
  });
  const drops: Record<string, number> = {};
  worker.on((event) => {
    if (event.type === 'message-dropped') drops[event.reason] = (drops[event.reason] ?? 0) + 1;
  });
  let probes = 0;
  const probe = async (): Promise<void> => {
    const value = { probe: probes++, text: `probe-${probes}` };
    try {
      const result = await worker.callFunction('echo', [value]);
      if (!isDeepStrictEqual(result, value)) violations.push(`probe answered with ${JSON.stringify(result)}`);
    } catch (error) {
      violations.push(`probe failed: ${String(error)}`);
    }
  };
  let heapGrowth = 0;
  const oversized = oversizedPositions(cases.length, options.oversized ?? 2);
  try {
    await worker.start();
    await probe();
    const heapBefore = await settledHeapUsed();
    const every = options.probeEvery ?? 100;
    const routingId = peer.parentId()!;
    for (const [index, c] of cases.entries()) {
      if (oversized.has(index)) {
        void router
          .send([routingId, ...parentFrames(oversizedBomb(defaultCodec.maxPayloadBytes, JUST_OVER_BYTES))])
          .catch(() => undefined);
        await probe();
      }
      // Keep a call pending while garbage arrives, so stray replies have something to (wrongly) match.
      const pending = (index + 1) % every === 0 ? probe() : undefined;
      void router
        .send([routingId, ...c.frames])
        .catch((error: unknown) => void violations.push(`send failed: ${String(error)}`));
      if (pending !== undefined) await pending;
    }
    await probe();
    heapGrowth = (await settledHeapUsed()) - heapBefore;
  } catch (error) {
    violations.push(`parent failed: ${String(error)}`);
  } finally {
    await worker.stop();
    await peer.close();
  }
  violations.push(...watch.stop());
  if (worker.inFlight !== 0) violations.push(`${worker.inFlight} pending call(s) after stop()`);
  if ((drops['too-large'] ?? 0) < oversized.size)
    violations.push(`${drops['too-large'] ?? 0} too-large drops for ${oversized.size} oversized payloads`);
  if (heapGrowth > (options.limitBytes ?? 20 * 1024 * 1024))
    violations.push(`heap grew ${(heapGrowth / 1048576).toFixed(1)} MB`);
  return {
    target: 'parent',
    cases: cases.length,
    probes,
    oversized: oversized.size,
    kinds: countKinds(cases),
    drops,
    replies: 0,
    heapGrowth,
    wallMs: realClock.nowMs() - startedAtMs,
    violations,
  };
}

function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
}

if (isMain()) {
  const cases = Number(process.env['MF_FUZZ_CASES'] ?? 100_000);
  const seed = Number(process.env['MF_FUZZ_SEED'] ?? 20_261_127);
  let failed = false;
  const results: FuzzResult[] = [];
  for (const run of [fuzzChild, fuzzParent]) {
    const result = await run({ cases, seed, oversized: 10 });
    results.push({ ...result, violations: result.violations.slice(0, 20) });
    for (const violation of result.violations.slice(0, 20)) console.log(`VIOLATION (${result.target}): ${violation}`);
    failed ||= result.violations.length > 0;
    console.log(`BENCH fuzz-${result.target} cases=${result.cases}`);
    console.log(`BENCH fuzz-${result.target} probes=${result.probes}`);
    console.log(`BENCH fuzz-${result.target} heap_growth_mb=${(result.heapGrowth / 1048576).toFixed(2)}`);
    console.log(`BENCH fuzz-${result.target} violations=${result.violations.length}`);
  }
  console.log(`RESULT ${JSON.stringify({ seed, results })}`);
  process.exitCode = failed ? 1 : 0;
}
