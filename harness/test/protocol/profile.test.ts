import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROFILES, V3, V4, isProfileName, profileForApp } from '../../../src/protocol/profile.js';

describe('profiles (MF-PROF-1 .. MF-PROF-3, MF-HB-2, MF-HB-3)', () => {
  it('maps app ids to profiles and nothing else', () => {
    assert.equal(profileForApp('comlink_ipc_v3'), V3);
    assert.equal(profileForApp('comlink_ipc_v4'), V4);
    assert.equal(profileForApp('comlink_ipc_v5'), undefined);
    assert.equal(profileForApp(3), undefined);
    assert.equal(PROFILES.v3, V3);
    assert.equal(PROFILES.v4, V4);
    assert.ok(isProfileName('v4'));
    assert.ok(!isProfileName('v5'));
  });

  it('v3 carries the send time as args [ms] and echoes args unchanged', () => {
    const request = V3.heartbeat.request(1500);
    assert.deepEqual(request, { args: [1500] });
    assert.deepEqual(V3.heartbeat.echo(request), { args: [1500] });
    assert.deepEqual(V3.heartbeat.echo({ args: 'not an array' }), {});
    assert.equal(V3.heartbeat.sentAtEpochMs({ args: [1500] }), 1500);
    assert.equal(V3.heartbeat.sentAtEpochMs({ args: ['x'] }), undefined);
    assert.equal(V3.heartbeat.sentAtEpochMs({}), undefined);
  });

  it('v4 carries metadata.hb_timestamp in seconds and echoes it with hb_response: true', () => {
    const request = V4.heartbeat.request(1500);
    assert.deepEqual(request, { metadata: { hb_timestamp: 1.5 } });
    assert.deepEqual(V4.heartbeat.echo(request), { metadata: { hb_timestamp: 1.5, hb_response: true } });
    assert.deepEqual(V4.heartbeat.echo({ metadata: [1] }), { metadata: { hb_response: true } });
    assert.equal(V4.heartbeat.sentAtEpochMs({ metadata: { hb_timestamp: 1.5, hb_response: true } }), 1500);
    assert.equal(V4.heartbeat.sentAtEpochMs({ metadata: { hb_timestamp: NaN } }), undefined);
    assert.equal(V4.heartbeat.sentAtEpochMs({ metadata: null }), undefined);
  });
});
