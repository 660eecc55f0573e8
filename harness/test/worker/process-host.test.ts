// ProcessHost's output capture on a real process: console.* and process.stdout/stderr writes reach the sink
// and not the streams, whether Node created the streams before capture began or only afterwards, and a
// released capture writes to the streams again. (Forwarded and raw output look alike at the parent's sink,
// so this is checked inside the child process, with the child's real stdout and stderr as pipes.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const hostUrl = new URL('../../../src/worker/child/child-host.ts', import.meta.url).href;

interface Outcome {
  captured: Array<[string, string]>;
  stdout: string;
  stderr: string;
}

/** Runs `body` in a fresh Node process where `host` is a ProcessHost and `capture()` starts recording. */
function inChild(body: string): Outcome {
  const script = `
    import { writeSync } from 'node:fs';
    const { ProcessHost } = await import(${JSON.stringify(hostUrl)});
    const host = new ProcessHost();
    const captured = [];
    const capture = () => host.captureOutput((stream, text) => { captured.push([stream, text]); return true; });
    ${body}
    writeSync(3, JSON.stringify(captured));`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
  return {
    captured: JSON.parse(String(run.output[3])) as Array<[string, string]>,
    stdout: run.stdout,
    stderr: run.stderr,
  };
}

test('streams first used after capture began: every write goes to the sink, none to the streams', () => {
  const outcome = inChild(`
    capture();
    console.log('one');
    console.error('two');
    process.stdout.write('three');
    process.stderr.write(Buffer.from('four'), () => {});`);
  assert.deepEqual(outcome.captured, [
    ['stdout', 'one\n'],
    ['stderr', 'two\n'],
    ['stdout', 'three'],
    ['stderr', 'four'],
  ]);
  assert.equal(outcome.stdout, '');
  assert.equal(outcome.stderr, '');
});

test('streams used before capture began are captured too, including through references taken earlier', () => {
  const outcome = inChild(`
    console.log('before');
    const out = process.stdout;
    capture();
    console.log('after');
    out.write('through the old reference');`);
  assert.deepEqual(outcome.captured, [
    ['stdout', 'after\n'],
    ['stdout', 'through the old reference'],
  ]);
  assert.equal(outcome.stdout, 'before\n');
});

test('writeRaw bypasses capture, and a released capture leaves the streams as they were', () => {
  const outcome = inChild(`
    const release = capture();
    host.writeRaw('stderr', 'raw line\\n');
    console.log('captured');
    release();
    console.log('released');
    const releasedEarly = host.captureOutput(() => true);
    releasedEarly();
    process.stderr.write('plain\\n');`);
  assert.deepEqual(outcome.captured, [['stdout', 'captured\n']]);
  assert.equal(outcome.stdout, 'released\n');
  assert.equal(outcome.stderr, 'raw line\nplain\n');
});

test('a capture released before the streams were ever used leaves them alone', () => {
  const outcome = inChild(`
    const release = capture();
    release();
    console.log('plain');
    console.error('also plain');`);
  assert.deepEqual(outcome.captured, []);
  assert.equal(outcome.stdout, 'plain\n');
  assert.equal(outcome.stderr, 'also plain\n');
});
