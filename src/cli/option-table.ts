/**
 * The command line's options (name, type, example) and the checks every option shares: unknown names with a
 * "did you mean", and integer values.
 */
import { UsageError } from './usage-error.js';

/** Every option, with an example value for the "needs a value" message. */
export const OPTIONS = {
  service: { type: 'string', example: '--service my-service' },
  role: { type: 'string', example: '--role parent' },
  profile: { type: 'string', example: '--profile v4' },
  junit: { type: 'string', example: '--junit report.xml' },
  json: { type: 'string', example: '--json report.json' },
  html: { type: 'string', example: '--html report.html' },
  'expected-failures': { type: 'string', example: '--expected-failures known-failures.txt' },
  timeout: { type: 'string', example: '--timeout 5000' },
  'startup-timeout': { type: 'string', example: '--startup-timeout 30000' },
  names: { type: 'string', example: '--names pascal' },
  'name-map': { type: 'string', example: '--name-map names.json' },
  tags: { type: 'string', example: '--tags "@must and not @MF-OUT-2"' },
  name: { type: 'string', example: '--name echo' },
  faults: { type: 'string', example: '--faults "drop=0.05,delay=10ms~5ms"' },
  seed: { type: 'string', example: '--seed 7' },
  fuzz: { type: 'string', example: '--fuzz 500' },
  'fuzz-dir': { type: 'string', example: '--fuzz-dir ./multifrost-fuzz' },
  'fuzz-values': { type: 'string', example: '--fuzz-values 1000' },
  replay: { type: 'string', example: '--replay multifrost-fuzz/case-1-5.json' },
  parallel: { type: 'string', example: '--parallel 2' },
  record: { type: 'string', example: '--record session.jsonl' },
  target: { type: 'string', example: '--target ./worker.py --target reference' },
  jobs: { type: 'string', example: '--jobs 2' },
  reference: { type: 'boolean' },
  trace: { type: 'boolean' },
  strict: { type: 'boolean' },
  'fail-fast': { type: 'boolean' },
  quiet: { type: 'boolean' },
  timing: { type: 'boolean' },
  'no-timing': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

export type OptionName = keyof typeof OPTIONS;

export const isOption = (name: string): name is OptionName => Object.hasOwn(OPTIONS, name);

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

export function unknownOption(raw: string): UsageError {
  const name = raw.replace(/^-+/, '');
  const near = Object.keys(OPTIONS)
    .map((known) => ({ known, d: known.startsWith(name) && name.length >= 3 ? 0 : distance(name, known) }))
    .filter(({ d }) => d <= 2)
    .sort((a, b) => a.d - b.d)[0];
  const hint = near === undefined ? 'see multifrost-conform --help for the options' : `did you mean --${near.known}?`;
  const after = raw.startsWith('-')
    ? `; an argument of the worker goes after --, e.g. multifrost-conform -- ./my-worker ${raw}`
    : '';
  return new UsageError(raw, `unknown option ${raw}: ${hint}${after}`);
}

export function integer(name: OptionName, text: string, min: number, what = 'an integer'): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < min) {
    const spec = OPTIONS[name];
    throw new UsageError(
      `--${name}`,
      `--${name} expects ${what} >= ${min}, got '${text}' (e.g. ${'example' in spec ? spec.example : `--${name} ${min}`})`,
    );
  }
  return value;
}
