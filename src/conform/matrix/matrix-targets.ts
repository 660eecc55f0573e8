/**
 * The targets of a matrix run, from the command line: the single target (a script, `-- command...`,
 * `--reference`, `--service`) first when given, then each `--target <spec>` in order. A spec is
 * - `reference`: the kit's TypeScript reference worker;
 * - `service:<id>`: a running connect-mode service;
 * - `cmd:<command line>`: a command, split on whitespace (no shell), e.g. `cmd:python3 worker.py --fast`;
 * - `["python3", "my worker.py"]`: a command as a JSON array, for arguments with spaces;
 * - anything else: a worker script (runtime inferred from the file, as for a single target).
 * Each becomes the arguments of one single-target run of the CLI, so `-- cmd args` stays unambiguous: it is
 * always last and always one target.
 */
import { InvalidArgumentError } from '../../errors.js';

export interface MatrixTarget {
  /** `T1`, `T2`, ...: the matrix's column names. */
  key: string;
  /** What the user typed, for the legend. */
  label: string;
  /** The target's arguments for a single-target run (`--reference`, `--service id`, a script, `-- argv`). */
  args: string[];
}

export interface SingleTargetOptions {
  script: string | undefined;
  argv: string[] | undefined;
  service: string | undefined;
  reference: boolean;
  targets: readonly string[];
}

/** @throws InvalidArgumentError for an empty command or a JSON array that is not one of strings. */
export function targetArgs(spec: string): { label: string; args: string[] } {
  const text = spec.trim();
  if (text === 'reference') return { label: 'reference', args: ['--reference'] };
  if (text.startsWith('service:')) {
    const id = text.slice('service:'.length).trim();
    if (id === '') throw new InvalidArgumentError('--target', `--target ${spec}: service: needs an id`);
    return { label: text, args: ['--service', id] };
  }
  if (text.startsWith('cmd:')) {
    const argv = text
      .slice('cmd:'.length)
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '');
    if (argv.length === 0) throw new InvalidArgumentError('--target', `--target ${spec}: cmd: needs a command`);
    return { label: argv.join(' '), args: ['--', ...argv] };
  }
  if (text.startsWith('[')) {
    let argv: unknown;
    try {
      argv = JSON.parse(text);
    } catch {
      argv = undefined;
    }
    if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string'))
      throw new InvalidArgumentError(
        '--target',
        `--target ${spec}: a command as JSON is a non-empty array of strings, e.g. ["python3", "my worker.py"]`,
      );
    return { label: (argv as string[]).join(' '), args: ['--', ...(argv as string[])] };
  }
  return { label: text, args: [text] };
}

/** Every target of the run, keyed T1.. in order. */
export function matrixTargets(options: SingleTargetOptions): MatrixTarget[] {
  const listed: Array<{ label: string; args: string[] }> = [];
  if (options.reference) listed.push({ label: 'reference', args: ['--reference'] });
  if (options.service !== undefined)
    listed.push({ label: `service:${options.service}`, args: ['--service', options.service] });
  if (options.script !== undefined) listed.push({ label: options.script, args: [options.script] });
  if (options.argv !== undefined) listed.push({ label: options.argv.join(' '), args: ['--', ...options.argv] });
  listed.push(...options.targets.map(targetArgs));
  return listed.map((target, index) => ({ key: `T${index + 1}`, ...target }));
}
