// When the parent's CALLs reach the socket: a lone CALL at once, CALLs made while others are in flight
// together at the end of the current burst of promise callbacks, always in call order, and never overtaken
// by a HEARTBEAT or SHUTDOWN (parent-channel.ts, call-tracker.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClosedError, ConnectionError } from '../../../src/errors.js';
import { defaultCodec } from '../../../src/protocol/codec.js';
import { V3 } from '../../../src/protocol/profile.js';
import type { Frames, Socket } from '../../../src/transport/transport.js';
import { VirtualClock } from '../../../src/time/virtual-clock.js';
import { CallTracker } from '../../../src/worker/parent/call-tracker.js';
import { CircuitBreaker } from '../../../src/worker/parent/circuit-breaker.js';
import { WorkerEvents } from '../../../src/worker/parent/events.js';
import { Metrics } from '../../../src/worker/parent/metrics.js';
import { ParentChannel } from '../../../src/worker/parent/parent-channel.js';

/** A socket that records what was handed to it (`type:function-or-id`) and can refuse chosen messages. */
class RecordingSocket implements Socket {
  readonly role = 'dealer';
  readonly log: string[] = [];
  closed = false;
  refuse: (entry: string) => boolean = () => false;

  bind(): Promise<string> {
    return Promise.resolve('tcp://127.0.0.1:1');
  }

  connect(): Promise<void> {
    return Promise.resolve();
  }

  send(frames: Frames): Promise<void> {
    return this.post(frames, () => undefined);
  }

  post(frames: Frames, onFailure: (error: Error) => void): Promise<void> {
    if (this.closed) {
      onFailure(new ClosedError('recording socket'));
      return Promise.resolve();
    }
    const message = defaultCodec.decodeValue(frames[1]!) as { type: string; id: string; function?: string };
    const entry = `${message.type}:${message.function ?? message.id}`;
    if (this.refuse(entry)) {
      onFailure(new ConnectionError(`refused ${entry}`, 'EHOSTUNREACH'));
      return Promise.resolve();
    }
    this.log.push(entry);
    return Promise.resolve();
  }

  receive(): Promise<Frames> {
    return new Promise(() => undefined);
  }

  [Symbol.asyncIterator](): AsyncIterator<Frames> {
    return { next: () => new Promise(() => undefined) };
  }

  close(): Promise<void> {
    this.closed = true;
    this.log.push('closed');
    return Promise.resolve();
  }
}

function channelOn(socket: Socket): ParentChannel {
  const channel = new ParentChannel({
    codec: defaultCodec,
    candidates: [V3],
    clock: new VirtualClock(),
    idPrefix: 'p',
    events: new WorkerEvents(),
    isRunning: () => true,
    onMessage: () => undefined,
    isProbeEcho: () => false,
  });
  channel.use(socket);
  return channel;
}

function trackerOn(channel: ParentChannel): CallTracker {
  return new CallTracker({
    clock: new VirtualClock(),
    channel,
    breaker: new CircuitBreaker(),
    metrics: new Metrics(),
    events: new WorkerEvents(),
    isRunning: () => true,
  });
}

const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

test('parent channel: a lone CALL reaches the socket at once; CALLs made while others wait go together, in call order', async () => {
  const socket = new RecordingSocket();
  const calls = trackerOn(channelOn(socket));
  void calls.send('first', [], undefined, undefined);
  assert.deepEqual(socket.log, ['call:first'], 'nothing else in flight: sent before send() returns');
  void calls.send('second', [], undefined, undefined);
  void calls.send('third', [], undefined, undefined);
  assert.deepEqual(socket.log, ['call:first'], 'made while a call is in flight: held for the burst');
  await Promise.resolve(); // other promise callbacks of the burst run first
  assert.deepEqual(socket.log, ['call:first']);
  await nextTick();
  assert.deepEqual(socket.log, ['call:first', 'call:second', 'call:third']);
});

test('parent channel: a HEARTBEAT or SHUTDOWN never overtakes CALLs still held, and close() hands them over first', async () => {
  const socket = new RecordingSocket();
  const channel = channelOn(socket);
  const post = (name: string): void => {
    const id = channel.newId();
    channel.postCall(channel.encodeCall(id, name, [], undefined), () => undefined, true);
  };
  post('a');
  post('b');
  channel.sendHeartbeat('hb-1', 0);
  post('c');
  channel.sendShutdown();
  post('d');
  // The SHUTDOWN's id is the fourth from newId (after the CALLs a, b and c): p-3.
  assert.deepEqual(socket.log, ['call:a', 'call:b', 'heartbeat:hb-1', 'call:c', 'shutdown:p-3']);
  await channel.close();
  assert.deepEqual(socket.log.slice(5), ['call:d', 'closed']);
  await nextTick();
  assert.equal(socket.log.length, 7, 'nothing is handed over twice');
});

test('parent channel: a held CALL whose send fails rejects that call only, with the socket error', async () => {
  const socket = new RecordingSocket();
  socket.refuse = (entry) => entry === 'call:bad';
  const calls = trackerOn(channelOn(socket));
  const first = calls.send('first', [], undefined, undefined);
  const bad = calls.send('bad', [], undefined, undefined);
  const good = calls.send('good', [], undefined, undefined);
  await assert.rejects(
    bad,
    (error: unknown) => error instanceof ConnectionError && /refused call:bad/.test(error.message),
  );
  assert.deepEqual(socket.log, ['call:first', 'call:good']);
  assert.equal(calls.size, 2, 'first and good still wait for their replies');
  void first;
  void good;
});
