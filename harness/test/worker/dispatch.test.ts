import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callableMethods, resolveMethod } from '../../../src/worker/child/dispatch.js';
import { createCallProxy } from '../../../src/worker/parent/call-proxy.js';
import { OutputForwarder } from '../../../src/worker/child/output-forwarder.js';

class Base {
  start(): void {}
  stop(): void {}
  listFunctions(): string[] {
    return [];
  }
}
class Parent extends Base {
  inherited(): string {
    return 'parent';
  }
}
class Worker extends Parent {
  add(a: number, b: number): number {
    return a + b;
  }
  _hidden(): void {}
  override stop(): void {}
  get accessor(): number {
    return 1;
  }
}

test('MF-CALL-5/MF-SEC-2: only own public methods (and listFunctions) are callable', () => {
  const methods = callableMethods(new Worker(), Base.prototype);
  assert.deepEqual([...methods.keys()].sort(), ['add', 'inherited', 'listFunctions']);
  for (const name of [
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'start',
    'stop',
    'accessor',
    'isPrototypeOf',
  ]) {
    const resolution = resolveMethod(methods, name);
    assert.equal(resolution.ok, false, name);
    if (!resolution.ok) assert.match(resolution.error, /not found/);
  }
  // Names starting with '_' are refused as private before the lookup (MF-CALL-4 comes first).
  for (const name of ['__proto__', '__defineGetter__', '_hidden']) {
    const resolution = resolveMethod(methods, name);
    assert.ok(!resolution.ok && resolution.error.includes('Cannot call private method'), name);
  }
});

test('MF-CALL-3/4: missing function and private names get the ruled messages, in order', () => {
  const methods = callableMethods(new Worker(), Base.prototype);
  const missing = resolveMethod(methods, undefined);
  assert.equal(missing.ok, false);
  const hidden = resolveMethod(methods, '_hidden');
  assert.ok(!hidden.ok && hidden.error.includes('Cannot call private method'));
  const unknownPrivate = resolveMethod(methods, '_nope');
  assert.ok(!unknownPrivate.ok && unknownPrivate.error.includes('Cannot call private method'));
  assert.equal(resolveMethod(methods, 'add').ok, true);
});

test('call proxy: names become calls, withOptions binds options per proxy, then is not a method', async () => {
  const seen: unknown[] = [];
  const proxy = createCallProxy<{ add(a: number, b: number): number }>(async (fn, args, options) => {
    seen.push([fn, args, options]);
    return 3;
  });
  assert.equal(await proxy.add(1, 2), 3);
  await proxy.withOptions({ timeoutMs: 5, namespace: 'n' }).add(3, 4);
  await proxy.withOptions({ timeoutMs: 5 }).withOptions({ clientName: 'c' }).add(5, 6);
  assert.deepEqual(seen, [
    ['add', [1, 2], undefined],
    ['add', [3, 4], { timeoutMs: 5, namespace: 'n' }],
    ['add', [5, 6], { timeoutMs: 5, clientName: 'c' }],
  ]);
  assert.equal((proxy as unknown as { then?: unknown }).then, undefined);
  assert.equal(await Promise.resolve(proxy), proxy);
});

test('MF-OUT-2: output before any parent is held (bounded) and flushed to the first parent; overflow goes local', async () => {
  const sent: string[] = [];
  const local: string[] = [];
  const forwarder = new OutputForwarder({
    send: async (id, stream, text) => void sent.push(`${id[0]}:${stream}:${text}`),
    writeRaw: (stream, text) => local.push(`${stream}:${text}`),
    bufferLimitBytes: 10,
  });
  forwarder.write('stdout', 'hello');
  forwarder.write('stderr', 'abc');
  forwarder.write('stdout', 'too long!');
  assert.deepEqual(local, ['stdout:too long!']);
  forwarder.knowParent(new Uint8Array([7]));
  forwarder.knowParent(new Uint8Array([7]));
  forwarder.write('stdout', 'after');
  await Promise.resolve();
  assert.deepEqual(sent, ['7:stdout:hello', '7:stderr:abc', '7:stdout:after']);
});

test('MF-OUT-3: a failed send falls back to the local stream; after close everything is local', async () => {
  const local: string[] = [];
  const forwarder = new OutputForwarder({
    send: () => Promise.reject(new Error('gone')),
    writeRaw: (s, t) => local.push(t),
  });
  forwarder.knowParent(new Uint8Array([1]));
  forwarder.write('stdout', 'lost?');
  await new Promise((r) => setImmediate(r));
  forwarder.close();
  forwarder.write('stdout', 'closed');
  assert.deepEqual(local, ['lost?', 'closed']);
});
