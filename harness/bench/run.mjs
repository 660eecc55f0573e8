#!/usr/bin/env node
// Benchmark runner: `npm run bench -- <name> [args...]` runs harness/bench/<name>.ts with `node --import tsx`,
// passing the remaining arguments through; with no name it lists the benchmarks.
// Exit status is the benchmark's own. Every benchmark prints `BENCH <name> <figure>=<value> [ratio=<value>]` lines.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const available = readdirSync(here)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
  .map((name) => name.slice(0, -'.ts'.length))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (name === undefined || name === '--list' || name === '--help') {
  console.log('usage: npm run bench -- <name> [args...]\n\nbenchmarks:');
  for (const bench of available) console.log(`  ${bench}`);
  process.exit(0);
}
const file = join(here, `${name}.ts`);
if (!/^[\w-]+$/.test(name) || !existsSync(file)) {
  console.error(`unknown benchmark "${name}"; available: ${available.join(', ') || '(none)'}`);
  process.exit(2);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], { cwd: root, stdio: 'inherit' });
if (result.error) {
  console.error(`could not run ${file}: ${result.error.message}`);
  process.exit(2);
}
process.exit(result.status ?? 1);
