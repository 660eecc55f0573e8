/** One option's value (or flag) checked and stored into {@link CliOptions}. */
import { NAME_STYLES, type NameStyle } from '../conform/method-names.js';
import type { CliOptions } from './cli-options.js';
import { integer, type OptionName } from './option-table.js';
import { checkTagExpression } from './tag-check.js';
import { UsageError } from './usage-error.js';

export function applyFlag(options: CliOptions, name: OptionName): void {
  if (name === 'reference') options.reference = true;
  else if (name === 'trace') options.trace = true;
  else if (name === 'strict') options.strict = true;
  else if (name === 'fail-fast') options.failFast = true;
  else if (name === 'quiet') options.quiet = true;
  else if (name === 'timing' || name === 'no-timing') {
    const wanted = name === 'timing';
    if (options.timing === !wanted) throw new UsageError(`--${name}`, '--timing and --no-timing contradict each other');
    options.timing = wanted;
  } else if (name === 'version') options.command = 'version';
  else options.command = 'help';
}

export function applyValue(options: CliOptions, name: OptionName, value: string): void {
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
    case 'record':
      options.record = value;
      break;
    case 'target':
      if (value.trim() === '')
        throw new UsageError('--target', `--target needs a target, e.g. ${'--target ./worker.py --target reference'}`);
      options.targets.push(value);
      break;
    case 'jobs':
      options.jobs = integer(name, value, 1, 'a number of targets at once');
      break;
    case 'parallel':
      options.parallel = integer(name, value, 0, 'a number of processes');
      break;
    default:
      break;
  }
}
