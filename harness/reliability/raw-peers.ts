/**
 * Raw peers over real ZeroMQ for the security tests: a raw DEALER talking to a ChildWorker that runs in this
 * process (so a polluted prototype or an exception would show here), and a raw ROUTER posing as a child for a
 * ParentWorker. No protocol logic beyond framing and the codec: the tests write exactly the bytes they mean.
 */
import { ConformanceWorker } from '../../src/conform/reference-worker.js';
import { defaultCodec } from '../../src/protocol/codec.js';
import { childFrames, parentFrames, parseChildInbound, parseParentInbound } from '../../src/protocol/framing.js';
import type { Message } from '../../src/protocol/message.js';
import { createHeartbeatEcho, createResponse } from '../../src/protocol/messages.js';
import { PROFILES, profileForApp } from '../../src/protocol/profile.js';
import { decodeMessage } from '../../src/protocol/validate.js';
import { realClock } from '../../src/time/real-clock.js';
import type { Socket } from '../../src/transport/transport.js';
import { ZmqTransport } from '../../src/transport/zmq/index.js';
import { ENV_PORT } from '../../src/worker/child/child-worker.js';
import { CountingHost } from './test-host.js';

export interface RawChildSession {
  host: CountingHost;
  child: ConformanceWorker;
  /** Sends raw frames from the DEALER. */
  send(frames: Uint8Array[]): Promise<void>;
  /** Sends `[empty, payload]`. */
  sendPayload(payload: Uint8Array): Promise<void>;
  /** The next reply whose id is `id`, or undefined after `timeoutMs`. */
  reply(id: string, timeoutMs?: number): Promise<Message | undefined>;
  /** Every valid message received so far, in order. */
  readonly received: Message[];
  close(): Promise<void>;
}

/** A ChildWorker (the reference worker) in this process, in spawn mode, connected to a raw DEALER. */
export async function rawChildSession(options: { maxPayloadBytes?: number } = {}): Promise<RawChildSession> {
  const transport = new ZmqTransport();
  const dealer = transport.dealer();
  const port = Number(/:(\d+)$/.exec(await dealer.bind('tcp://127.0.0.1:0'))![1]);
  const host = new CountingHost(process.pid, { [ENV_PORT]: String(port) });
  const child = new ConformanceWorker({
    transport,
    host,
    clock: realClock,
    // Drops are counted through the child's logger, every one of them (no rate limit).
    logger: host.logger,
    dropLogLimit: { max: Number.POSITIVE_INFINITY },
    ...(options.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: options.maxPayloadBytes }),
  });
  const running = child.run();
  const received: Message[] = [];
  const waiters = new Map<string, (message: Message) => void>();
  const loop = (async () => {
    for await (const frames of dealer) {
      const inbound = parseParentInbound(frames);
      if (!inbound.ok) continue;
      const decoded = decodeMessage(defaultCodec, inbound.payload, [PROFILES.v3, PROFILES.v4]);
      if (!decoded.ok) continue;
      received.push(decoded.message);
      waiters.get(decoded.message.id)?.(decoded.message);
    }
  })();
  return {
    host,
    child,
    received,
    send: (frames) => dealer.send(frames),
    sendPayload: (payload) => dealer.send(parentFrames(payload)),
    async reply(id, timeoutMs = 10_000) {
      const already = received.find((m) => m.id === id);
      if (already !== undefined) return already;
      let timer: { cancel(): void } | undefined;
      const result = await Promise.race([
        new Promise<Message>((resolve) => waiters.set(id, resolve)),
        new Promise<undefined>((resolve) => {
          timer = realClock.setTimer(timeoutMs, () => resolve(undefined));
        }),
      ]);
      timer?.cancel();
      waiters.delete(id);
      return result;
    },
    async close() {
      host.terminate();
      await running;
      await dealer.close();
      await loop;
    },
  };
}

export interface RawRouterPeer {
  port: number;
  router: Socket;
  /** The parent's routing id, once it has sent something. */
  parentId(): Uint8Array | undefined;
  close(): Promise<void>;
}

/** A raw ROUTER on 127.0.0.1 that answers heartbeats and echo calls like a correct child. */
export async function rawRouterPeer(): Promise<RawRouterPeer> {
  const router = new ZmqTransport().router();
  const port = Number(/:(\d+)$/.exec(await router.bind('tcp://127.0.0.1:0'))![1]);
  let parent: Uint8Array | undefined;
  const loop = (async () => {
    for await (const frames of router) {
      const inbound = parseChildInbound(frames);
      if (!inbound.ok) continue;
      const decoded = decodeMessage(defaultCodec, inbound.payload, [PROFILES.v3, PROFILES.v4]);
      if (!decoded.ok) continue;
      parent = inbound.routingId;
      const { message } = decoded;
      const profile = profileForApp(message.app) ?? PROFILES.v3;
      let reply: object | undefined;
      if (message.type === 'heartbeat') reply = createHeartbeatEcho(profile, message, 1.5);
      else if (message.type === 'call')
        reply = createResponse(profile, message.id, 1.5, Array.isArray(message.args) ? message.args[0] : null);
      if (reply !== undefined)
        void router.send(childFrames(inbound.routingId, defaultCodec.encode(reply))).catch(() => undefined);
    }
  })();
  return {
    port,
    router,
    parentId: () => parent,
    async close() {
      await router.close();
      await loop;
    },
  };
}

/** Local addresses (as `a.b.c.d`) of the listening TCP sockets on `port`, read from /proc/net/tcp. */
export async function listeningAddresses(port: number): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  const table = await readFile('/proc/net/tcp', 'utf8');
  const found: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[3] !== '0A') continue; // 0A = LISTEN
    const [addressHex, portHex] = fields[1]!.split(':');
    if (parseInt(portHex!, 16) !== port) continue;
    // Little-endian IPv4: 0100007F is 127.0.0.1.
    const bytes = addressHex!
      .match(/../g)!
      .map((b) => parseInt(b, 16))
      .reverse();
    found.push(bytes.join('.'));
  }
  return found;
}
