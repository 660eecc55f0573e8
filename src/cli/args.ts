/**
 * Command-line parsing for `multifrost-conform`. Pure: argv in, {@link CliOptions} or a usage error out.
 * Everything after `--` is the target command, passed through untouched.
 */
import { InvalidArgumentError } from '../errors.js';

export interface CliOptions {
  command: 'run' | 'list' | 'help' | 'version';
  /** Worker script (runtime inferred from its extension). */
  script: string | undefined;
  /** argv after `--`. */
  argv: string[] | undefined;
  service: string | undefined;
  reference: boolean;
  role: 'child' | 'parent';
  profile: 'v3' | 'v4' | undefined;
  junit: string | undefined;
  json: string | undefined;
  html: string | undefined;
  trace: boolean;
  strict: boolean;
  expectedFailures: string | undefined;
  timeoutMs: number | undefined;
  tags: string | undefined;
  names: string[];
  faults: string | undefined;
  seed: number | undefined;
  fuzz: number | undefined;
  fuzzDir: string | undefined;
  replay: string | undefined;
  parallel: number | undefined;
  quiet: boolean;
}

const VALUE_OPTIONS = new Set([
  '--service', '--role', '--profile', '--junit', '--json', '--html', '--expected-failures', '--timeout', '--tags', '--name',
  '--faults', '--seed', '--fuzz', '--fuzz-dir', '--replay', '--parallel',
]);
const FLAG_OPTIONS = new Set(['--reference', '--trace', '--strict', '--quiet', '--help', '-h', '--version']);

function integer(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(name, `${name} expects an integer >= ${min}, got '${text}'`);
  return value;
}

/** Parses `argv` (without node and the script). @throws InvalidArgumentError on a usage error. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const split = argv.indexOf('--');
  const own = split >= 0 ? argv.slice(0, split) : [...argv];
  const options: CliOptions = {
    command: 'run', script: undefined, argv: split >= 0 ? argv.slice(split + 1) : undefined, service: undefined, reference: false,
    role: 'child', profile: undefined, junit: undefined, json: undefined, html: undefined, trace: false, strict: false,
    expectedFailures: undefined, timeoutMs: undefined, tags: undefined, names: [], faults: undefined, seed: undefined,
    fuzz: undefined, fuzzDir: undefined, replay: undefined, parallel: undefined, quiet: false,
  };
  const positionals: string[] = [];
  for (let i = 0; i < own.length; i++) {
    const token = own[i]!;
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const name = eq > 0 ? token.slice(0, eq) : token;
    if (FLAG_OPTIONS.has(name)) {
      applyFlag(options, name);
      continue;
    }
    if (VALUE_OPTIONS.has(name)) {
      const value = eq > 0 ? token.slice(eq + 1) : own[++i];
      if (value === undefined) throw new InvalidArgumentError(name, `${name} needs a value`);
      applyValue(options, name, value);
      continue;
    }
    if (token.startsWith('-')) throw new InvalidArgumentError(token, `unknown option ${token} (see --help)`);
    positionals.push(token);
  }
  if (positionals[0] === 'list' || positionals[0] === 'run') options.command = positionals.shift() as 'list' | 'run';
  if (positionals.length > 1) throw new InvalidArgumentError('target', `one target expected, got: ${positionals.join(' ')}`);
  options.script = positionals[0];
  if (options.command === 'run') checkTarget(options);
  return options;
}

function applyFlag(options: CliOptions, name: string): void {
  if (name === '--reference') options.reference = true;
  else if (name === '--trace') options.trace = true;
  else if (name === '--strict') options.strict = true;
  else if (name === '--quiet') options.quiet = true;
  else if (name === '--version') options.command = 'version';
  else options.command = 'help';
}

function applyValue(options: CliOptions, name: string, value: string): void {
  switch (name) {
    case '--service': options.service = value; break;
    case '--role':
      if (value !== 'child' && value !== 'parent') throw new InvalidArgumentError(name, `--role is child or parent, got '${value}'`);
      options.role = value;
      break;
    case '--profile':
      if (value !== 'v3' && value !== 'v4') throw new InvalidArgumentError(name, `--profile is v3 or v4, got '${value}'`);
      options.profile = value;
      break;
    case '--junit': options.junit = value; break;
    case '--json': options.json = value; break;
    case '--html': options.html = value; break;
    case '--expected-failures': options.expectedFailures = value; break;
    case '--timeout': options.timeoutMs = integer(name, value, 1); break;
    case '--tags': options.tags = value; break;
    case '--name':
      try {
        new RegExp(value);
      } catch {
        throw new InvalidArgumentError(name, `--name is not a valid regular expression: ${value}`);
      }
      options.names.push(value);
      break;
    case '--faults': options.faults = value; break;
    case '--seed': options.seed = integer(name, value, 0); break;
    case '--fuzz': options.fuzz = integer(name, value, 1); break;
    case '--fuzz-dir': options.fuzzDir = value; break;
    case '--replay': options.replay = value; break;
    case '--parallel': options.parallel = integer(name, value, 0); break;
  }
}

/** Exactly one target, and the role's constraints. */
function checkTarget(options: CliOptions): void {
  if (options.command !== 'run') return;
  const given = [options.script !== undefined, options.argv !== undefined, options.service !== undefined, options.reference].filter(Boolean).length;
  if (given === 0) throw new InvalidArgumentError('target', 'no target: give a worker script, `-- <command...>`, --service <id> or --reference');
  if (given > 1) throw new InvalidArgumentError('target', 'give exactly one target (script, -- command, --service or --reference)');
  if (options.argv !== undefined && options.argv.length === 0) throw new InvalidArgumentError('target', 'nothing after --');
  if (options.role === 'parent' && options.argv === undefined && options.script === undefined) {
    throw new InvalidArgumentError('role', '--role parent needs the driver command: --role parent -- <driver command...>');
  }
}

export const USAGE = `multifrost-conform: check a Multifrost worker (or parent) against the protocol catalogue

Usage:
  multifrost-conform [options] ./worker.py|.ts|.js|.go|<executable>
  multifrost-conform [options] -- <command...>
  multifrost-conform [options] --service <id>
  multifrost-conform [options] --reference
  multifrost-conform [options] --role parent -- <driver command...>
  multifrost-conform list [--tags <expr>] [--name <regex>] [--role child|parent]

Options:
  --profile v3|v4            protocol profile (default: detected by probing the worker)
  --role child|parent        what is checked (default child)
  --tags <expr>              cucumber tag expression, e.g. "@must and not @MF-OUT-2"
  --name <regex>             run scenarios whose name matches (repeatable)
  --timeout <ms>             per-step timeout
  --strict                   SHOULD failures fail the run too
  --expected-failures <file> baseline of clause or scenario ids that are known to fail
  --trace                    print the wire trace of every scenario (failures always have it)
  --junit <file> --json <file> --html <file>   reports (any combination, one run)
  --faults <spec> --seed <n> fault injection, e.g. "drop=0.05,delay=10ms~5ms,duplicate=0.01"
  --fuzz <n> [--fuzz-dir d]  send n malformed frames/payloads; failures saved under d
  --replay <file>            send a saved fuzz case again
  --parallel <n>             run scenarios in n worker processes
  --quiet                    only the summary line

Exit codes: 0 conformant, 1 conformance failures, 2 usage or setup error.
`;
