// Structured logging: the Logger interface and built-in loggers, the parent's lifecycle log, the child's log
// (silent by default, JSON lines when configured), and the rate limit on dropped-message warnings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type LogFields,
  type LogLevel,
  type Logger,
  jsonLinesLogger,
  messageFirst,
  silentLogger,
} from '../../../src/logging/logger.js';
import { RateLimit } from '../../../src/logging/rate-limit.js';
import { VirtualClock } from '../../../src/time/virtual-clock.js';
import { WorkerEvents } from '../../../src/worker/parent/events.js';
import { attachWorkerLogging } from '../../../src/worker/parent/parent-logging.js';
import { ChildLog } from '../../../src/worker/child/child-log.js';
import { SimHost } from '../../../src/worker/sim/sim-host.js';
import { ENV_LOG_LEVEL } from '../../../src/worker/shared/environment.js';
import { drop } from '../../../src/sim.js';
import { simWorld } from './sim-support.js';
import { ConformanceWorker } from '../../../src/conform/reference-worker.js';
import type { SimProgram } from '../../../src/worker/sim/sim-launcher.js';

interface Entry {
  level: LogLevel;
  fields: LogFields;
  message: string;
}

/** A logger that keeps entries; `enabled` decides isLevelEnabled (all levels by default). */
function recordingLogger(enabled: (level: string) => boolean = () => true): Logger & { entries: Entry[] } {
  const entries: Entry[] = [];
  const method = (level: LogLevel) => (fields: LogFields, message: string) =>
    void entries.push({ level, fields, message });
  return {
    entries,
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    isLevelEnabled: enabled,
  };
}

test('jsonLinesLogger: one JSON object per line in pino keys, levels below the minimum skipped', () => {
  const lines: string[] = [];
  const logger = jsonLinesLogger({
    level: 'warn',
    write: (line) => void lines.push(line),
    now: () => 1000,
    base: { app: 'x' },
  });
  logger.info({ a: 1 }, 'not written');
  logger.warn({ a: 1, error: new Error('boom') }, 'written');
  assert.equal(lines.length, 1);
  assert.ok(lines[0]!.endsWith('\n'));
  const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual(
    { ...entry, error: undefined },
    { time: 1000, level: 'warn', msg: 'written', app: 'x', a: 1, error: undefined },
  );
  assert.equal((entry['error'] as { message: string }).message, 'boom');
  assert.equal(logger.isLevelEnabled?.('info'), false);
  assert.equal(logger.isLevelEnabled?.('error'), true);
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  logger.error(cyclic, 'cycle');
  assert.match(JSON.parse(lines[1]!).logError as string, /not serialisable/);
});

test('messageFirst adapts a winston-style logger in one line; silentLogger says it is off', () => {
  const seen: Array<[string, string, unknown]> = [];
  const winstonLike = {
    debug: (m: string, meta?: LogFields) => seen.push(['debug', m, meta]),
    info: (m: string, meta?: LogFields) => seen.push(['info', m, meta]),
    warn: (m: string, meta?: LogFields) => seen.push(['warn', m, meta]),
    error: (m: string, meta?: LogFields) => seen.push(['error', m, meta]),
  };
  messageFirst(winstonLike).warn({ k: 1 }, 'hello');
  assert.deepEqual(seen, [['warn', 'hello', { k: 1 }]]);
  assert.equal(silentLogger.isLevelEnabled?.('error'), false);
});

test('RateLimit: at most max per interval, the held-back count reported with the next entry let through', async () => {
  const clock = new VirtualClock();
  const limit = new RateLimit(clock, { max: 3, intervalMs: 1000 });
  const taken = Array.from({ length: 10 }, () => limit.take());
  assert.equal(taken.filter((t) => t.ok).length, 3);
  assert.equal(limit.pending, 7);
  await clock.advanceBy(999);
  assert.equal(limit.take().ok, false);
  await clock.advanceBy(1);
  assert.deepEqual(limit.take(), { ok: true, suppressed: 8 });
  assert.equal(limit.pending, 0);
});

test('parent: dropped-message warnings are rate-limited, with the count of the suppressed ones', async () => {
  const clock = new VirtualClock();
  const events = new WorkerEvents();
  const logger = recordingLogger();
  attachWorkerLogging(events, logger, clock, 'w', { max: 5, intervalMs: 10_000 });
  for (let i = 0; i < 100; i++) events.emit({ type: 'message-dropped', reason: 'bad-app', detail: `#${i}` });
  assert.equal(logger.entries.length, 5);
  await clock.advanceBy(10_000);
  events.emit({ type: 'message-dropped', reason: 'bad-app', detail: 'later' });
  assert.equal(logger.entries.length, 6);
  assert.deepEqual(logger.entries[5], {
    level: 'warn',
    message: 'dropped message',
    fields: { worker: 'w', event: 'message-dropped', reason: 'bad-app', detail: 'later', suppressed: 95 },
  });
});

test('parent: lifecycle, heartbeat misses, breaker moves and restarts are logged with structured fields', async () => {
  const logger = recordingLogger();
  const { worker, launcher, clock } = simWorld({
    worker: {
      logger,
      autoRestart: true,
      restartBackoffMs: 100,
      profile: 'v3',
      heartbeatIntervalMs: 1000,
      heartbeatTimeoutMs: 500,
      heartbeatMaxMisses: 2,
      maxRestartAttempts: 2,
    },
    faults: [
      drop({ direction: 'child->parent', from: 'reference#1000', where: (m) => m.type === 'heartbeat' && m.seq > 2 }),
    ],
  });
  await worker.start();
  await clock.sleep(1);
  assert.deepEqual(
    logger.entries
      .filter((e) => e.level !== 'debug')
      .map((e) => e.message)
      .slice(0, 2),
    ['worker started', 'child ready'],
  );
  await clock.sleep(5000); // the first child's echoes are dropped: misses, then hung, killed and replaced
  const messages = logger.entries.map((e) => `${e.level} ${e.message}`);
  assert.ok(messages.includes('warn heartbeat missed'), messages.join('\n'));
  assert.ok(messages.includes('error child not answering heartbeats'), messages.join('\n'));
  assert.ok(messages.includes('warn circuit breaker moved'), messages.join('\n'));
  assert.ok(messages.includes('warn restarting child'), messages.join('\n'));
  assert.ok(messages.includes('info child restarted'), messages.join('\n'));
  const missed = logger.entries.find((e) => e.message === 'heartbeat missed')!;
  assert.deepEqual(missed.fields, { worker: 'reference', event: 'heartbeat-missed', misses: 1, maxMisses: 2 });
  launcher.crash(worker.pid!);
  await clock.sleep(1000);
  assert.ok(logger.entries.some((e) => e.message === 'child exited unexpectedly' && e.level === 'warn'));
  await worker.stop();
  assert.equal(logger.entries.at(-1)?.message, 'worker stopped');
  assert.equal(logger.entries.at(-1)?.level, 'debug');
});

test('a disabled level is never called: with isLevelEnabled false no log method runs through a whole lifecycle', async () => {
  const throwing = (): never => {
    throw new Error('a disabled level was called');
  };
  const logger: Logger = {
    debug: throwing,
    info: throwing,
    warn: throwing,
    error: throwing,
    isLevelEnabled: () => false,
  };
  // The child gets the same logger: its SHUTDOWN, stop and (connect mode) registration entries are all off.
  const child: SimProgram = async ({ transport, host, clock }) => {
    await new ConformanceWorker({ transport, host, clock, logger }).run();
  };
  const { worker, launcher, clock } = simWorld({
    worker: { logger, autoRestart: true, restartBackoffMs: 10 },
    programs: { child },
    command: 'child',
  });
  await worker.start();
  assert.equal(await worker.call.add(1, 2), 3);
  launcher.crash(worker.pid!);
  await clock.sleep(1000);
  assert.equal(await worker.call.add(2, 2), 4);
  await worker.stop();
});

test('child: by default nothing reaches stderr, on any normal stop; with MULTIFROST_LOG_LEVEL it logs JSON lines there', async () => {
  const quiet = simWorld();
  await quiet.worker.start();
  await quiet.worker.call.add(1, 1);
  await quiet.worker.stop();
  assert.deepEqual(
    quiet.output.filter(([stream]) => stream === 'stderr'),
    [],
  );

  const loud = simWorld({ worker: { env: { [ENV_LOG_LEVEL]: 'debug' } } });
  await loud.worker.start();
  await loud.worker.stop();
  const lines = loud.output.filter(([stream]) => stream === 'stderr').map(([, text]) => JSON.parse(text) as LogFields);
  assert.ok(
    lines.some((l) => l['msg'] === 'received SHUTDOWN' && l['level'] === 'debug'),
    JSON.stringify(lines),
  );
  assert.ok(lines.every((l) => typeof l['pid'] === 'number' && typeof l['time'] === 'number'));
});

test('child: dropped-message warnings go through the logger, rate-limited', async () => {
  const clock = new VirtualClock();
  const logger = recordingLogger();
  const log = new ChildLog(new SimHost(7, {}, () => undefined), clock, logger, { max: 2, intervalMs: 1000 });
  for (let i = 0; i < 50; i++) log.dropped('too-large', undefined, 'payload over the limit');
  await clock.advanceBy(1000);
  log.dropped('bad-app', 'app', 'unknown app');
  assert.deepEqual(
    logger.entries.map((e) => [e.fields['reason'], e.fields['suppressed']]),
    [
      ['too-large', 0],
      ['too-large', 0],
      ['bad-app', 48],
    ],
  );
});
