/**
 * Wall time of a full conformance run through the compiled CLI, against the TypeScript reference worker and
 * the Python peer (targets: < 10 s and < 15 s). Baseline, measured in the same run: the CLI's own fixed cost
 * (`multifrost-conform list`: Node start, cucumber load, catalogue parse), so the ratio says how many
 * times that fixed cost the checking itself takes. Medians of `--runs` runs (default 3).
 *   npm run bench -- conform-cli [--runs N]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realClock } from '../../src/time/real-clock.js';
import { median, report, round } from './support/stats.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const runsIndex = process.argv.indexOf('--runs');
const runs = runsIndex > 0 ? Number(process.argv[runsIndex + 1]) : 3;

function seconds(args: string[]): number {
  const started = realClock.nowMs();
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });
  const elapsed = (realClock.nowMs() - started) / 1000;
  if (result.status !== 0)
    throw new Error(
      `multifrost-conform ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`,
    );
  return elapsed;
}

function measure(args: string[]): number {
  return median(Array.from({ length: runs }, () => seconds(args)));
}

if (!existsSync(cli)) throw new Error(`${cli} missing: run npm run build`);
const baseline = measure(['list']);
report('conform-cli', 'list_s', round(baseline));
const reference = measure(['--quiet', '--reference']);
report('conform-cli', 'reference_full_s', round(reference), round(reference / baseline));
const python = join(root, 'fixtures', 'python', '.venv', 'bin', 'python');
if (existsSync(python)) {
  const peer = measure(['--quiet', '--', python, join(root, 'fixtures', 'python', 'child.py')]);
  report('conform-cli', 'python_full_s', round(peer), round(peer / baseline));
}
