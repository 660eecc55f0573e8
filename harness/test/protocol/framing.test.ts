import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError } from '../../../src/errors.js';
import {
  EMPTY_FRAME,
  childFrames,
  parentFrames,
  parseChildInbound,
  parseParentInbound,
} from '../../../src/protocol/framing.js';

const payload = Buffer.from('80', 'hex');
const routingId = Buffer.from('00abcdef', 'hex');

describe('framing (MF-FRAME-1 .. MF-FRAME-4)', () => {
  it('a parent sends [empty, payload] (MF-FRAME-1)', () => {
    const frames = parentFrames(payload);
    assert.equal(frames.length, 2);
    assert.equal(frames[0]?.byteLength, 0);
    assert.equal(frames[0], EMPTY_FRAME);
    assert.equal(frames[1], payload);
  });

  it('a child sends [routingId, empty, payload] (MF-FRAME-2, MF-FRAME-3)', () => {
    const frames = childFrames(routingId, payload);
    assert.deepEqual(frames, [routingId, EMPTY_FRAME, payload]);
  });

  it('parses what each side receives', () => {
    const parent = parseParentInbound([new Uint8Array(0), payload]);
    assert.ok(parent.ok);
    assert.equal(parent.payload, payload);
    const child = parseChildInbound([routingId, new Uint8Array(0), payload]);
    assert.ok(child.ok);
    assert.equal(child.routingId, routingId);
    assert.equal(child.payload, payload);
  });

  it('round-trips: what a child sends, minus the routing id the ROUTER strips, is what a parent parses', () => {
    const [, ...delivered] = childFrames(routingId, payload);
    const parsed = parseParentInbound(delivered);
    assert.ok(parsed.ok && parsed.payload === payload);
  });

  it('every wrong frame count is a bad-frame-count DecodeError (MF-FRAME-4)', () => {
    const frame = (): Uint8Array => new Uint8Array(0);
    for (let count = 0; count <= 5; count++) {
      const frames = Array.from({ length: count }, frame);
      const parent = parseParentInbound(frames);
      const child = parseChildInbound(frames);
      if (count !== 2) {
        assert.ok(
          !parent.ok && parent.error instanceof DecodeError && parent.error.reason === 'bad-frame-count',
          `parent, ${count} frames`,
        );
      }
      if (count !== 3) {
        assert.ok(
          !child.ok && child.error instanceof DecodeError && child.error.reason === 'bad-frame-count',
          `child, ${count} frames`,
        );
      }
    }
  });

  it('a non-empty delimiter is a bad-delimiter DecodeError (MF-FRAME-4)', () => {
    const parent = parseParentInbound([Buffer.from([0]), payload]);
    assert.ok(!parent.ok && parent.error.reason === 'bad-delimiter');
    const child = parseChildInbound([routingId, Buffer.from('x'), payload]);
    assert.ok(!child.ok && child.error.reason === 'bad-delimiter');
  });
});
