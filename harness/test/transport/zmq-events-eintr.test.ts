import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Dealer } from 'zeromq';
import { socketEvents } from '../../../src/transport/zmq/zmq-peers.js';

/** A socket stand-in whose `events` getter fails with `codes`, in order, before it answers. */
function socketFailing(codes: string[]): { socket: Dealer; reads: () => number } {
  let reads = 0;
  const observer = { on: () => undefined };
  const socket = {
    get events() {
      const code = codes[reads++];
      if (code !== undefined) throw Object.assign(new Error(`failed: ${code}`), { code });
      return observer;
    },
  };
  return { socket: socket as unknown as Dealer, reads: () => reads };
}

describe('socketEvents: starting a socket monitor that a signal interrupts', () => {
  it('tries again after EINTR and returns the observer', () => {
    const { socket, reads } = socketFailing(['EINTR', 'EINTR']);
    assert.equal(typeof socketEvents<{ on: unknown }>(socket).on, 'function');
    assert.equal(reads(), 3);
  });

  it('throws any other error at once, and EINTR after 20 attempts', () => {
    const other = socketFailing(['EMFILE']);
    assert.throws(() => socketEvents(other.socket), { code: 'EMFILE' });
    assert.equal(other.reads(), 1);
    const endless = socketFailing(Array.from({ length: 30 }, () => 'EINTR'));
    assert.throws(() => socketEvents(endless.socket), { code: 'EINTR' });
    assert.equal(endless.reads(), 20);
  });
});
