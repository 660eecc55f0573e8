/**
 * Command-line parsing for `multifrost-conform`. Pure: argv in, {@link CliOptions} or a {@link UsageError}
 * out. Options are read with `node:util` `parseArgs` (tokens, so each one is checked here and the message
 * is the kit's own); everything after the first `--` is the target command, passed through untouched.
 * A usage error says what was wrong in the user's terms and what to type instead.
 */
import { parseArgs as parseTokens } from 'node:util';
import { applyFlag, applyValue } from './apply-option.js';
import { checkTarget } from './check-target.js';
import type { CliOptions } from './cli-options.js';
import { isOption, OPTIONS, unknownOption } from './option-table.js';
import { UsageError } from './usage-error.js';

export { UsageError } from './usage-error.js';
export type { CliOptions } from './cli-options.js';
export { checkTagExpression } from './tag-check.js';
export { USAGE } from './usage.js';

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
    timing: undefined,
    targets: [],
    record: undefined,
    jobs: undefined,
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
  if (positionals[0] === 'list' || positionals[0] === 'run' || positionals[0] === 'sim-replay')
    options.command = positionals.shift() as 'list' | 'run' | 'sim-replay';
  if (options.command === 'sim-replay' && positionals.length !== 1)
    throw new UsageError(
      'sim-replay',
      'sim-replay replays one recording: type multifrost-conform sim-replay session.jsonl (made with --record session.jsonl)',
    );
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
