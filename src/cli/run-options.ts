/**
 * From parsed command-line options to the conform engine's {@link ConformOptions}, and the checks of the
 * files the options name (`--name-map`, `--expected-failures`) made BEFORE any worker starts, so a typo is
 * a usage error in seconds rather than a surprise after the run.
 */
import { readFileSync } from 'node:fs';
import { readCheckedBaseline } from '../conform/baseline.js';
import type { CatalogueLocation } from '../conform/catalogue.js';
import { catalogueScenarios } from '../conform/run-catalogue.js';
import type { ConformOptions } from '../conform/conform-run.js';
import { parseNameMap, type MethodNames } from '../conform/method-names.js';
import { specClauses } from '../conform/spec-clauses.js';
import type { Target } from '../conform/target.js';
import { UsageError, type CliOptions } from './args.js';

/**
 * `--names` and `--name-map`, read into {@link MethodNames}; undefined when neither is given (wire names).
 * @throws UsageError naming the file when it is missing or not a valid name map.
 */
export function readMethodNames(options: Pick<CliOptions, 'nameStyle' | 'nameMap'>): MethodNames | undefined {
  if (options.nameStyle === undefined && options.nameMap === undefined) return undefined;
  let map: Record<string, string> | undefined;
  if (options.nameMap !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.nameMap, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
      throw new UsageError(
        '--name-map',
        `cannot read the name map --name-map ${options.nameMap}: ${reason}; it holds a JSON object of wire name -> name, e.g. {"write_stdout": "WriteOut"}`,
      );
    }
    try {
      map = parseNameMap(text, options.nameMap);
    } catch (error) {
      throw new UsageError('--name-map', `--name-map ${(error as Error).message.replace(/^--name-map: /, '')}`);
    }
  }
  return { style: options.nameStyle ?? 'wire', ...(map === undefined ? {} : { map }) };
}

/**
 * Checks the `--expected-failures` file against docs/spec.md's clauses and every scenario of the catalogue.
 * @throws UsageError (InvalidArgumentError) naming each bad entry and its line.
 */
export async function checkBaseline(path: string, catalogue: CatalogueLocation): Promise<void> {
  const scenarios = await catalogueScenarios(catalogue);
  readCheckedBaseline(path, { clauses: new Set(specClauses().keys()), scenarios: new Set(scenarios.map((s) => s.id)) });
}

/** The engine's options for a run: every option the command line carries, nothing else. */
export function conformOptions(
  options: CliOptions,
  target: Target,
  extra: Pick<ConformOptions, 'childArgv' | 'extraSections'> & { methodNames?: MethodNames | undefined },
): ConformOptions {
  return {
    target,
    ...(extra.childArgv === undefined ? {} : { childArgv: extra.childArgv }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.tags === undefined ? {} : { tags: options.tags }),
    ...(options.names.length === 0 ? {} : { names: options.names }),
    ...(options.timeoutMs === undefined ? {} : { stepTimeoutMs: options.timeoutMs }),
    ...(options.startupTimeoutMs === undefined ? {} : { startupTimeoutMs: options.startupTimeoutMs }),
    ...(options.failFast ? { failFast: true } : {}),
    ...(extra.methodNames === undefined ? {} : { methodNames: extra.methodNames }),
    ...(options.expectedFailures === undefined ? {} : { expectedFailures: options.expectedFailures }),
    ...(options.junit === undefined ? {} : { junit: options.junit }),
    ...(options.json === undefined ? {} : { json: options.json }),
    ...(options.html === undefined ? {} : { html: options.html }),
    ...(options.parallel === undefined ? {} : { parallel: options.parallel }),
    ...(options.faults === undefined ? {} : { faults: options.faults, seed: options.seed ?? 1 }),
    ...(options.fuzzValues === undefined
      ? {}
      : { valueFuzz: { runs: options.fuzzValues, seed: options.seed, dir: options.fuzzDir } }),
    ...(options.timing === undefined ? {} : { timing: options.timing }),
    strict: options.strict,
    trace: options.trace,
    quiet: options.quiet,
    ...(extra.extraSections === undefined ? {} : { extraSections: extra.extraSections }),
  };
}
