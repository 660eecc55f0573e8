/**
 * Command-line parsing for `multifrost-conform`. Pure: argv in, {@link CliOptions} or a {@link UsageError}
 * out. Options are read with `node:util` `parseArgs` (tokens, so each one is checked here and the message
 * is the kit's own); everything after the first `--` is the target command, passed through untouched.
 * A usage error says what was wrong in the user's terms and what to type instead.
 */
import { parseArgs as parseTokens } from 'node:util';
import { parse as parseTagExpression } from '@cucumber/tag-expressions';
import { InvalidArgumentError } from '../errors.js';
import { NAME_STYLES, type NameStyle } from '../conform/method-names.js';

/** A usage error: the message is complete and meant for the user (no internal argument name in front). */
export class UsageError extends InvalidArgumentError {
  constructor(argument: string, message: string) {
    super(argument, message);
    this.name = 'UsageError';
    this.message = message;
  }
}

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
  /** `--startup-timeout`: how long the worker may take to start (independent of `--timeout`). */
  startupTimeoutMs: number | undefined;
  failFast: boolean;
  /** `--names`: how the target spells the conformance service's method names. */
  nameStyle: NameStyle | undefined;
  /** `--name-map`: a JSON file of wire name -> target name (read by the CLI, not here). */
  nameMap: string | undefined;
  tags: string | undefined;
  names: string[];
  faults: string | undefined;
  seed: number | undefined;
  fuzz: number | undefined;
  fuzzDir: string | undefined;
  /** `--fuzz-values N`: N generated values echoed and compared with the spec (value-fuzz.ts). */
  fuzzValues: number | undefined;
  /** `--timing`: latency and throughput of `add`, target and reference worker (timing.ts). */
  timing: boolean;
  replay: string | undefined;
  parallel: number | undefined;
  quiet: boolean;
}

/** Every option, with an example value for the "needs a value" message. */
const OPTIONS = {
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
  reference: { type: 'boolean' },
  trace: { type: 'boolean' },
  strict: { type: 'boolean' },
  'fail-fast': { type: 'boolean' },
  quiet: { type: 'boolean' },
  timing: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

type OptionName = keyof typeof OPTIONS;

const isOption = (name: string): name is OptionName => Object.hasOwn(OPTIONS, name);

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

function unknownOption(raw: string): UsageError {
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

function integer(name: OptionName, text: string, min: number, what = 'an integer'): number {
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

/**
 * Checks a cucumber tag expression as the kit will combine it with the role tag. A bare word (`must`) is
 * valid cucumber syntax but matches no tag, since every tag starts with `@`: it is refused with the fix.
 * @throws UsageError naming the expression and what is wrong with it.
 */
export function checkTagExpression(expression: string): void {
  if (expression.trim() === '')
    throw new UsageError(
      '--tags',
      `--tags is empty: give a tag expression, e.g. ${OPTIONS.tags.example}, or leave --tags out`,
    );
  try {
    parseTagExpression(`@child and (${expression})`);
    parseTagExpression(expression);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error))
      .replace(/^.*syntax error:\s*/s, '')
      .replace(/\.$/, '');
    throw new UsageError(
      '--tags',
      `--tags "${expression}" is not a valid tag expression (${reason}): tags start with @ and combine with and, or, not and parentheses, e.g. ${OPTIONS.tags.example}`,
    );
  }
  const words = expression
    .replace(/[()]/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== '' && !['and', 'or', 'not'].includes(w));
  const bare = words.find((w) => !w.startsWith('@'));
  if (bare !== undefined) {
    throw new UsageError(
      '--tags',
      `--tags "${expression}": '${bare}' is not a tag (tags start with @): did you mean @${bare.replace(/^\\/, '')}?`,
    );
  }
}

/** Parses `argv` (without node and the script). @throws UsageError (an InvalidArgumentError) on a usage error. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const split = argv.indexOf('--');
  const own = split >= 0 ? argv.slice(0, split) : [...argv];
  const options: CliOptions = {
    command: 'run',
    script: undefined,
    argv: split >= 0 ? argv.slice(split + 1) : undefined,
    service: undefined,
    reference: false,
    role: 'child',
    profile: undefined,
    junit: undefined,
    json: undefined,
    html: undefined,
    trace: false,
    strict: false,
    expectedFailures: undefined,
    timeoutMs: undefined,
    startupTimeoutMs: undefined,
    failFast: false,
    nameStyle: undefined,
    nameMap: undefined,
    tags: undefined,
    names: [],
    faults: undefined,
    seed: undefined,
    fuzz: undefined,
    fuzzDir: undefined,
    fuzzValues: undefined,
    timing: false,
    replay: undefined,
    parallel: undefined,
    quiet: false,
  };
  const config = Object.fromEntries(
    Object.entries(OPTIONS).map(([name, spec]) => [
      name,
      { type: spec.type, ...('short' in spec ? { short: spec.short } : {}) },
    ]),
  ) as Record<string, { type: 'string' | 'boolean'; short?: string }>;
  // Not strict: unknown options and missing values come back as tokens, and are reported here in the kit's words.
  const { tokens } = parseTokens({ args: own, options: config, allowPositionals: true, strict: false, tokens: true });
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue;
    if (!isOption(token.name)) throw unknownOption(token.rawName);
    const spec = OPTIONS[token.name];
    if (spec.type === 'boolean') {
      if (token.value !== undefined)
        throw new UsageError(token.rawName, `${token.rawName} takes no value: type ${token.rawName} alone`);
      applyFlag(options, token.name);
    } else {
      if (token.value === undefined)
        throw new UsageError(token.rawName, `${token.rawName} needs a value, e.g. ${spec.example}`);
      applyValue(options, token.name, token.value);
    }
  }
  if (options.command === 'help' || options.command === 'version') return options;
  if (positionals[0] === 'list' || positionals[0] === 'run') options.command = positionals.shift() as 'list' | 'run';
  if (positionals.length > 1) {
    throw new UsageError(
      'target',
      `one target expected, got ${positionals.length}: ${positionals.join(' ')}; to run a command with arguments, type multifrost-conform -- ${positionals.join(' ')}`,
    );
  }
  options.script = positionals[0];
  if (options.command === 'run') checkTarget(options);
  return options;
}

function applyFlag(options: CliOptions, name: OptionName): void {
  if (name === 'reference') options.reference = true;
  else if (name === 'trace') options.trace = true;
  else if (name === 'strict') options.strict = true;
  else if (name === 'fail-fast') options.failFast = true;
  else if (name === 'quiet') options.quiet = true;
  else if (name === 'timing') options.timing = true;
  else if (name === 'version') options.command = 'version';
  else options.command = 'help';
}

function applyValue(options: CliOptions, name: OptionName, value: string): void {
  switch (name) {
    case 'service':
      options.service = value;
      break;
    case 'role':
      if (value !== 'child' && value !== 'parent')
        throw new UsageError(
          '--role',
          `--role is child or parent, got '${value}' (e.g. --role parent -- python3 my_driver.py)`,
        );
      options.role = value;
      break;
    case 'profile':
      if (value !== 'v3' && value !== 'v4')
        throw new UsageError(
          '--profile',
          `--profile is v3 or v4, got '${value}' (leave it out to detect the worker's profile)`,
        );
      options.profile = value;
      break;
    case 'junit':
      options.junit = value;
      break;
    case 'json':
      options.json = value;
      break;
    case 'html':
      options.html = value;
      break;
    case 'expected-failures':
      options.expectedFailures = value;
      break;
    case 'timeout':
      options.timeoutMs = integer(name, value, 1, 'a number of milliseconds');
      break;
    case 'startup-timeout':
      options.startupTimeoutMs = integer(name, value, 1, 'a number of milliseconds');
      break;
    case 'names':
      if (!(NAME_STYLES as readonly string[]).includes(value)) {
        throw new UsageError(
          '--names',
          `--names is one of ${NAME_STYLES.join(', ')}, got '${value}' (e.g. --names pascal for WriteStdout; --name <regex> selects scenarios by name)`,
        );
      }
      options.nameStyle = value as NameStyle;
      break;
    case 'name-map':
      options.nameMap = value;
      break;
    case 'tags':
      checkTagExpression(value);
      options.tags = value;
      break;
    case 'name':
      try {
        new RegExp(value);
      } catch (error) {
        throw new UsageError(
          '--name',
          `--name '${value}' is not a valid regular expression (${(error as Error).message.replace(/^Invalid regular expression: /, '')}); escape special characters, e.g. --name 'echo \\(v4\\)'`,
        );
      }
      options.names.push(value);
      break;
    case 'faults':
      options.faults = value;
      break;
    case 'seed':
      options.seed = integer(name, value, 0);
      break;
    case 'fuzz':
      options.fuzz = integer(name, value, 1, 'a number of inputs');
      break;
    case 'fuzz-dir':
      options.fuzzDir = value;
      break;
    case 'fuzz-values':
      options.fuzzValues = integer(name, value, 1, 'a number of values');
      break;
    case 'replay':
      options.replay = value;
      break;
    case 'parallel':
      options.parallel = integer(name, value, 0, 'a number of processes');
      break;
    default:
      break;
  }
}

const TARGETS =
  'a worker script (multifrost-conform ./worker.py), a command (multifrost-conform -- ./my-worker --flag), --service <id> or --reference';

/** Exactly one target, and the role's constraints. */
function checkTarget(options: CliOptions): void {
  if (options.command !== 'run') return;
  const given = [
    options.script !== undefined ? `the script ${options.script}` : undefined,
    options.argv !== undefined ? `the command after --` : undefined,
    options.service !== undefined ? `--service ${options.service}` : undefined,
    options.reference ? '--reference' : undefined,
  ].filter((g) => g !== undefined);
  if (given.length === 0) throw new UsageError('target', `no target given: type ${TARGETS}`);
  if (given.length > 1)
    throw new UsageError('target', `give exactly one target, got ${given.join(' and ')}: type ${TARGETS}`);
  if (options.argv !== undefined && options.argv.length === 0)
    throw new UsageError(
      'target',
      'nothing after --: type the worker command after it, e.g. multifrost-conform -- ./my-worker --flag',
    );
  if (options.role === 'parent' && options.argv === undefined && options.script === undefined) {
    throw new UsageError(
      '--role',
      '--role parent checks a parent through its driver: type multifrost-conform --role parent -- <driver command...>',
    );
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
  --timeout <ms>             per-step timeout (default 5000)
  --startup-timeout <ms>     how long the worker may take to start (default 10000)
  --fail-fast                stop at the first blocking failure
  --names wire|pascal|camel|snake   how the worker spells the service's methods (default wire)
  --name-map <file.json>     explicit method names, e.g. {"write_stdout": "WriteOut"}
  --strict                   SHOULD failures fail the run too
  --expected-failures <file> baseline of clause or scenario ids that are known to fail
  --trace                    print the wire trace of every scenario (failures always have it)
  --junit <file> --json <file> --html <file>   reports (any combination, one run)
  --faults <spec> --seed <n> fault injection, e.g. "drop=0.05,delay=10ms~5ms,duplicate=0.01"
  --fuzz <n> [--fuzz-dir d]  send n malformed frames/payloads; failures saved under d
  --fuzz-values <n>          echo n generated values, compare each reply with the spec
  --replay <file>            send a saved fuzz case (or value case) again
  --timing                   measure add's latency and throughput, target and reference
  --parallel <n>             run scenarios in n worker processes
  --quiet                    only the summary line

Exit codes: 0 conformant, 1 conformance failures, 2 usage or setup error, 130 interrupted.
`;
