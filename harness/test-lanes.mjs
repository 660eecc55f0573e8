#!/usr/bin/env node
// The unit stage of `npm test` in two lanes that run side by side, each a `node --test` run of its own files,
// one file at a time:
//   - the CLI lane: harness/test/cli, whose tests run the compiled CLI against real workers (most of the
//     stage's time; a CLI and its worker take turns on about one core);
//   - the other lane: everything else (protocol, property, transport, worker, registry, peers, ...).
// Side by side they use both cores of a two-core machine; the CLI tests never run two files at once, so
// their step timeouts keep the margin they were chosen with.
// Usage: node harness/test-lanes.mjs <tap file prefix> <node --test flags...> -- <test files...>
// The CLI lane's dot output streams live; the other lane's is printed when it ends. Each lane writes its TAP
// report to `<prefix>-cli.tap` and `<prefix>-other.tap`. Exits non-zero when either lane failed.
import { spawn } from 'node:child_process';

const [, , tapPrefix, ...rest] = process.argv;
const split = rest.indexOf('--');
if (tapPrefix === undefined || split === -1) {
  console.error('usage: node harness/test-lanes.mjs <tap prefix> <node --test flags...> -- <files...>');
  process.exit(2);
}
const flags = rest.slice(0, split);
const files = rest.slice(split + 1);

/** The lane of a test file. */
function laneOf(file) {
  return /(^|\/)harness\/test\/cli\//.test(file) ? 'cli' : 'other';
}

function runLane(name, laneFiles, live) {
  if (laneFiles.length === 0) return Promise.resolve({ name, code: 0, output: '' });
  const args = [
    ...flags,
    '--test-reporter=dot',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapPrefix}-${name}.tap`,
    ...laneFiles,
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (stream) => (chunk) => {
      if (live) stream.write(chunk);
      else output += chunk;
    };
    child.stdout.on('data', take(process.stdout));
    child.stderr.on('data', take(process.stderr));
    child.on('close', (code, signal) => resolve({ name, code: code ?? (signal === null ? 1 : 128), output }));
  });
}

const cli = files.filter((file) => laneOf(file) === 'cli');
const other = files.filter((file) => laneOf(file) === 'other');
console.log(`lanes: ${cli.length} CLI test files (live below), ${other.length} others (printed when done)`);
const [cliLane, otherLane] = await Promise.all([runLane('cli', cli, true), runLane('other', other, false)]);
if (otherLane.output !== '')
  process.stdout.write(`\n--- the other lane (${other.length} files) ---\n${otherLane.output}`);
for (const lane of [cliLane, otherLane]) if (lane.code !== 0) console.error(`lane ${lane.name}: exit ${lane.code}`);
process.exit(cliLane.code !== 0 || otherLane.code !== 0 ? 1 : 0);
