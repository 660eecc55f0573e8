/**
 * A small parent/child exchange on the simulated network, used by the fault and determinism tests:
 * the parent DEALER sends `calls` CALL messages (function `add`, then `echo`, alternating), the child ROUTER
 * answers each with a RESPONSE. Everything runs on a VirtualClock driven to idle, so a run is a pure
 * function of the seed and the fault plan.
 */
import { defaultCodec } from '../../../src/protocol/codec.js';
import { VirtualClock } from '../../../src/time/virtual-clock.js';
import type { FaultRule } from '../../../src/transport/sim/faults.js';
import { SimNetwork } from '../../../src/transport/sim/sim-network.js';
import type { Frames, Socket } from '../../../src/transport/transport.js';
import { loopbackEndpoint } from '../../../src/transport/transport.js';

export const EMPTY = new Uint8Array(0);
export const describe = (payload: Uint8Array): unknown => defaultCodec.decodeValue(payload);

export function callPayload(id: number, fn = id % 2 === 0 ? 'add' : 'echo'): Uint8Array {
  return defaultCodec.encode({
    app: 'comlink_ipc_v3',
    id: `c${id}`,
    type: 'call',
    timestamp: 1,
    function: fn,
    args: [id, Buffer.from([id & 0xff])],
  });
}

export function responsePayload(id: string): Uint8Array {
  return defaultCodec.encode({ app: 'comlink_ipc_v3', id, type: 'response', timestamp: 1, result: id });
}

/** The decoded `id` of a payload, or undefined when it does not decode (corrupted). */
export function idOf(payload: Uint8Array | undefined): string | undefined {
  try {
    const value = payload === undefined ? undefined : defaultCodec.decodeValue(payload);
    return typeof value === 'object' && value !== null ? String((value as { id?: unknown }).id) : undefined;
  } catch {
    return undefined;
  }
}

/** Collects every message a socket receives until it closes. */
export function collect(socket: Socket): Frames[] {
  const seen: Frames[] = [];
  void (async () => {
    for await (const frames of socket) seen.push(frames);
  })();
  return seen;
}

export interface ScenarioResult {
  readonly network: SimNetwork;
  readonly clock: VirtualClock;
  /** Ids of responses the parent received, in arrival order. */
  readonly responses: string[];
  /** Ids of calls the child received, in arrival order. */
  readonly calls: (string | undefined)[];
}

/** Runs the exchange to completion (virtual time until idle) and returns what each side saw. */
export async function runScenario(seed: number, faults: readonly FaultRule[], calls = 40): Promise<ScenarioResult> {
  const clock = new VirtualClock();
  const network = new SimNetwork({ clock, seed, faults, describe });
  const child = network.transport('child').router();
  const endpoint = await child.bind(loopbackEndpoint(0));
  const parent = network.transport('parent').dealer();
  await parent.connect(endpoint);
  const seenCalls: (string | undefined)[] = [];
  void (async () => {
    for await (const [routingId, , payload] of child) {
      const id = idOf(payload);
      seenCalls.push(id);
      if (id !== undefined) await child.send([routingId!, EMPTY, responsePayload(id)]);
    }
  })();
  const responses: string[] = [];
  void (async () => {
    for await (const [, payload] of parent) responses.push(idOf(payload) ?? '<corrupt>');
  })();
  for (let i = 0; i < calls; i++) {
    await parent.send([EMPTY, callPayload(i)]);
    if (i % 8 === 7) await clock.advanceBy(1);
  }
  await clock.runUntilIdle();
  await parent.close();
  await child.close();
  return { network, clock, responses, calls: seenCalls };
}
