#!/usr/bin/env node
/**
 * `multifrost-conform`: the conformance kit's command line. Thin: parse arguments, build the target,
 * call the conform engine, print, exit with 0 (conformant), 1 (conformance failures) or 2 (usage or setup).
 * See docs/cli.md.
 */
import { InvalidArgumentError, MultifrostError } from '../errors.js';
import { parseArgs, USAGE, type CliOptions } from './args.js';
import { buildTarget, instrumentedChildCommand } from './build-target.js';
import { kitVersion, locateCatalogue } from '../conform/catalogue.js';
import { EXIT, runConformance, tagExpression } from '../conform/conform-run.js';
import { listCatalogue } from '../conform/run-catalogue.js';
import { extraSections, prepareFaultStats, runReplay } from '../conform/extra-sections.js';

async function list(options: CliOptions): Promise<number> {
  const catalogue = locateCatalogue();
  const { pickles } = await listCatalogue({
    catalogue,
    worldParameters: { transport: 'zmq', target: { kind: 'reference' }, profile: options.profile ?? 'v3' },
    tags: tagExpression(options.role, options.tags),
    names: options.names,
  });
  for (const pickle of pickles) {
    const uri = pickle.uri.slice(pickle.uri.lastIndexOf('features/') + 'features/'.length);
    process.stdout.write(`${uri}  ${pickle.name}  ${pickle.tags.map((t) => t.name).join(' ')}\n`);
  }
  process.stdout.write(`${pickles.length} scenarios\n`);
  return EXIT.PASS;
}

async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`multifrost-conform: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT.SETUP;
  }
  if (options.command === 'help') {
    process.stdout.write(USAGE);
    return EXIT.PASS;
  }
  if (options.command === 'version') {
    process.stdout.write(`${await kitVersion()}\n`);
    return EXIT.PASS;
  }
  if (options.command === 'list') return list(options);
  const target = buildTarget(options);
  if (options.replay !== undefined) return runReplay(target, options.replay, process.stdout);
  if (options.faults !== undefined) prepareFaultStats();
  return (
    await runConformance({
      target,
      ...(options.role === 'parent' ? { childArgv: instrumentedChildCommand() } : {}),
      ...(options.profile === undefined ? {} : { profile: options.profile }),
      ...(options.tags === undefined ? {} : { tags: options.tags }),
      ...(options.names.length === 0 ? {} : { names: options.names }),
      ...(options.timeoutMs === undefined ? {} : { stepTimeoutMs: options.timeoutMs }),
      ...(options.expectedFailures === undefined ? {} : { expectedFailures: options.expectedFailures }),
      ...(options.junit === undefined ? {} : { junit: options.junit }),
      ...(options.json === undefined ? {} : { json: options.json }),
      ...(options.html === undefined ? {} : { html: options.html }),
      ...(options.parallel === undefined ? {} : { parallel: options.parallel }),
      ...(options.faults === undefined ? {} : { faults: options.faults, seed: options.seed ?? 1 }),
      strict: options.strict,
      trace: options.trace,
      quiet: options.quiet,
      extraSections: (profile) => extraSections(target, options, profile),
    })
  ).exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage = error instanceof InvalidArgumentError;
    const text = error instanceof MultifrostError || usage ? (error as Error).message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`multifrost-conform: ${usage ? '' : 'setup error: '}${text}\n`);
    process.exitCode = EXIT.SETUP;
  },
);
