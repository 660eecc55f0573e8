#!/usr/bin/env node
// The whole test run, as `npm test` runs it. Stages run in order and the first failure stops the run:
//   1. peers: install and build the Python, Go and Rust reference peers (cached, idempotent)
//   2. build: tsc to dist/ (the CLI and the zmq cucumber profile run compiled code)
//   3. unit + property + integration tests under c8 (node --test; files listed here, Node 20 takes no globs)
//   4. cucumber: the simulator profile, then the zmq profile
//   5. traceability: every MUST clause of docs/spec.md has a scenario, every cited clause exists
// `npm test -- <stage>...` runs only the named stages; `npm test -- unit <file filter>` narrows the files.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(title, command, args, env = {}) {
  const started = Date.now();
  console.log(`\n=== ${title}: ${[command, ...args].map((a) => relative(root, a) || a).join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`=== ${title} FAILED (exit ${result.status ?? result.signal}) after ${seconds} s`);
    process.exit(result.status || 1);
  }
  console.log(`=== ${title} passed in ${seconds} s`);
}

function findTests(dir, filter) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path, filter));
    else if (name.endsWith('.test.ts') && (!filter || path.includes(filter))) found.push(path);
  }
  return found;
}

const stages = {
  peers: () => {
    if (existsSync(join(root, 'harness/peers/setup.mjs'))) run('peers', process.execPath, ['harness/peers/setup.mjs']);
    // Chromium for the HTML report test. Not fatal: without it (no root, no apt) that one test reports
    // itself skipped with the reason; CI runs as root and gets it.
    const chromium = spawnSync(process.execPath, ['harness/test/cli/setup-chromium.mjs'], { cwd: root, stdio: 'inherit' });
    if (chromium.status !== 0) console.warn('=== chromium could not be installed: the HTML report test will be skipped');
  },
  build: () => run('build', bin('tsc'), ['-p', 'tsconfig.json']),
  typecheck: () => run('typecheck', bin('tsc'), ['-p', 'tsconfig.check.json']),
  unit: (filter) => {
    const files = findTests(join(root, 'harness/test'), filter);
    if (files.length === 0) throw new Error('no test files found under harness/test');
    run('unit, property and integration tests', bin('c8'), [
      '--reporter=text-summary', '--reporter=json-summary', '--include=src/**', '--exclude=**/*.test.ts',
      process.execPath, '--import', 'tsx', '--test', '--test-reporter=dot', '--test-concurrency=1', ...files,
    ]);
  },
  cucumber: () => {
    if (!existsSync(join(root, 'cucumber.cjs'))) return;
    run('cucumber (simulator)', process.execPath, ['--import', 'tsx', bin('cucumber-js'), '--profile', 'default']);
    run('cucumber (zmq)', process.execPath, ['--import', 'tsx', bin('cucumber-js'), '--profile', 'zmq']);
  },
  traceability: () => {
    if (existsSync(join(root, 'harness/traceability.ts'))) run('traceability', process.execPath, ['--import', 'tsx', 'harness/traceability.ts']);
  },
};

const [, , ...argv] = process.argv;
const selected = argv.filter((a) => a in stages);
const filter = argv.find((a) => !(a in stages));
const order = selected.length > 0 ? selected : ['peers', 'build', 'typecheck', 'unit', 'cucumber', 'traceability'];
const started = Date.now();
for (const stage of order) stages[stage](filter);
console.log(`\nall stages passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
