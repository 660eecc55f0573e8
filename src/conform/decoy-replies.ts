/**
 * Decoys: malformed or foreign messages the kit's instrumented child sends a parent right before a real reply,
 * each carrying the CALL's id and a result the parent must never deliver (`"decoy: <what>"`). A parent that
 * drops them, as spec sections 2 and 3 require, settles the call with the real reply that follows; one that
 * reads any of them settles it with the decoy's result, and the driver line shows which one it read. Used by
 * the @parent scenarios on what a parent receives (MF-FRAME-4, MF-FRAME-5, MF-MSG-1, MF-MSG-5, MF-MSG-6,
 * MF-MSG-9, MF-SEC-3); selected per function with the scoped breakages `decoy-*` of misbehaviour.ts.
 */
import { Codec, DEFAULT_MAX_PAYLOAD_BYTES, defaultCodec } from '../protocol/codec.js';
import { EMPTY_FRAME } from '../protocol/framing.js';
import { PROFILES, type Profile } from '../protocol/profile.js';
import type { Frames } from '../transport/transport.js';
import type { Map_ } from './misbehaving-replies.js';
import type { DecoyBreakage } from './misbehaviour.js';

/** A RESPONSE to the CALL `id`, in `profile`, whose result names the decoy; `fields` override or add keys. */
function decoyMessage(id: unknown, profile: Profile, what: string, fields: Map_ = {}): Map_ {
  return { app: profile.app, id, type: 'response', timestamp: Date.now() / 1000, result: `decoy: ${what}`, ...fields };
}

const encode = (message: Map_): Buffer => defaultCodec.encode(message);
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The payload of `message` with an integer key 1 added in front (a map whose keys are not all strings). */
function withIntegerKey(message: Map_): Buffer {
  const body = encode(message);
  // A fixmap (0x80 | n, n < 15 here) with one more entry: the key 1 (0x01) and the value "x" (0xa178).
  const count = body[0]! & 0x0f;
  return Buffer.concat([Buffer.from([0x80 | (count + 1), 0x01, 0xa1, 0x78]), body.subarray(1)]);
}

/**
 * The frames to send (each a ROUTER send: routing id first) before the reply to CALL `id`, for one decoy
 * breakage. Every decoy that a lenient reader could take for a reply carries `id` and a decoy result.
 */
export function decoyFrames(kind: DecoyBreakage, routingId: Uint8Array, id: unknown, profile: Profile): Frames[] {
  const to = (...frames: Uint8Array[]): Frames => [routingId, ...frames];
  const message = (what: string, fields?: Map_): Map_ => decoyMessage(id, profile, what, fields);
  switch (kind) {
    case 'decoy-framing':
      return [
        to(utf8('x'), encode(message('a non-empty delimiter frame'))),
        to(EMPTY_FRAME, encode(message('an extra frame after the payload')), encode(message('the extra frame'))),
        to(encode(message('the payload without its delimiter'))),
        to(EMPTY_FRAME),
      ];
    case 'decoy-undecodable':
      return [
        to(EMPTY_FRAME, Buffer.from([0xc1])),
        to(EMPTY_FRAME, Buffer.from('82a3617070', 'hex')),
        to(EMPTY_FRAME, EMPTY_FRAME),
        to(EMPTY_FRAME, Buffer.concat([encode(message('a payload with a byte after it')), Buffer.from([0xc0])])),
      ];
    case 'decoy-non-map': {
      // The first array holds a RESPONSE's values in field order, as a decoder of arrays into structs reads them.
      const fields = message('an array payload');
      return [
        to(EMPTY_FRAME, defaultCodec.encode(Object.values(fields) as unknown as object)),
        to(EMPTY_FRAME, defaultCodec.encode(['response', id, 'decoy: an array payload'] as unknown as object)),
        to(EMPTY_FRAME, Buffer.from('a8726573706f6e7365', 'hex')),
        to(EMPTY_FRAME, Buffer.from([0xc0])),
      ];
    }
    case 'decoy-integer-key':
      return [to(EMPTY_FRAME, withIntegerKey(message('a map with an integer key')))];
    case 'decoy-unknown-type':
      return [
        to(EMPTY_FRAME, encode(message('the unknown type "result"', { type: 'result' }))),
        to(EMPTY_FRAME, encode(message('the unknown type "RESPONSE"', { type: 'RESPONSE' }))),
        to(EMPTY_FRAME, encode(message('the unknown type "progress"', { type: 'progress' }))),
      ];
    case 'decoy-wrong-app': {
      const other = profile.app === PROFILES.v3.app ? PROFILES.v4 : PROFILES.v3;
      const { app: _none, ...withoutApp } = message('a message without app');
      return [
        to(EMPTY_FRAME, encode(withoutApp)),
        to(EMPTY_FRAME, encode(message('the app id of the other profile', { app: other.app }))),
        to(EMPTY_FRAME, encode(message('the app id "comlink_ipc_v5"', { app: 'comlink_ipc_v5' }))),
        to(EMPTY_FRAME, encode(message('the app id misspelled', { app: profile.app.replaceAll('_', '-') }))),
        to(EMPTY_FRAME, encode(message('a numeric app', { app: 3 }))),
      ];
    }
    case 'decoy-wrong-core-type':
      return [
        to(EMPTY_FRAME, encode(message('a string timestamp', { timestamp: 'now' }))),
        to(EMPTY_FRAME, encode(message('the id as bin', { id: typeof id === 'string' ? utf8(id) : id }))),
        to(EMPTY_FRAME, encode(message('the type as bin', { type: utf8('response') }))),
        to(EMPTY_FRAME, encode(message('the app as bin', { app: utf8(profile.app) }))),
        to(EMPTY_FRAME, encode(message('a nil timestamp', { timestamp: null }))),
      ];
    case 'decoy-oversize': {
      // 1 MiB over the limit, so every reading of "16 MiB" (with or without the envelope) is exceeded.
      const big = 'x'.repeat(DEFAULT_MAX_PAYLOAD_BYTES + 1024 * 1024);
      const codec = new Codec({ maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES * 2 });
      return [to(EMPTY_FRAME, codec.encode(decoyMessage(id, profile, 'over the size limit', { result: big })))];
    }
  }
}
