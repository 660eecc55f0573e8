#!/usr/bin/env node
/**
 * `multifrost-conform`: the conformance kit's command line. Thin: parse arguments, build the target,
 * call the conform engine, print, exit with 0 (conformant), 1 (conformance failures) or 2 (usage or setup).
 * See docs/cli.md.
 */
import { InvalidArgumentError, MultifrostError } from '../errors.js';
import { parseArgs, USAGE, type CliOptions } from './args.js';
import { buildTarget, instrumentedChildCommand } from './build-target.js';
import { checkBaseline, conformOptions, readMethodNames } from './run-options.js';
import { runMatrix } from './matrix-command.js';
import { runSimReplay } from './sim-replay-command.js';
import { writeFileSync } from 'node:fs';
import { kitVersion, locateCatalogue, scenarioId } from '../conform/catalogue.js';
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
  // The id (`file.feature:line`) is what --expected-failures and the reports use.
  for (const pickle of pickles)
    process.stdout.write(
      `${scenarioId(pickle, catalogue.featuresDir)}  ${pickle.name}  ${pickle.tags.map((t) => t.name).join(' ')}\n`,
    );
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
  if (options.command === 'sim-replay') return runSimReplay(options);
  // A fresh recording per run: the relays append to it.
  if (options.record !== undefined) writeFileSync(options.record, '');
  if (options.targets.length > 0) return runMatrix(options);
  // Everything the options name is checked before any worker starts.
  const target = buildTarget(options);
  const methodNames = readMethodNames(options);
  if (options.replay !== undefined) return runReplay(target, options.replay, process.stdout);
  if (options.expectedFailures !== undefined) await checkBaseline(options.expectedFailures, locateCatalogue());
  if (options.faults !== undefined) prepareFaultStats();
  const outcome = await runConformance(
    conformOptions(options, target, {
      ...(options.role === 'parent' ? { childArgv: instrumentedChildCommand(options) } : {}),
      methodNames,
      extraSections: (profile) => extraSections(target, options, profile),
    }),
  );
  if (options.quiet && outcome.report !== undefined) {
    // The quiet summary counts scenarios only: a failed fuzz or fault section says so itself, with its first
    // line, next to the summary (standard error when standard output carries the JSON report).
    const human = options.json === '-' ? process.stderr : process.stdout;
    for (const section of outcome.report.extras.filter((e) => !e.ok)) {
      human.write(
        `multifrost-conform: ${section.title}: FAILED${section.lines[0] === undefined ? '' : `: ${section.lines[0]}`}\n`,
      );
    }
  }
  return outcome.exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // A usage error is worded for the user (and says what to type instead); anything else is a setup error.
    const usage = error instanceof InvalidArgumentError;
    const text =
      error instanceof MultifrostError || usage
        ? (error as Error).message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(
      `multifrost-conform: ${usage ? '' : 'setup error: '}${text}\n${usage ? 'Run multifrost-conform --help for the options.\n' : ''}`,
    );
    process.exitCode = EXIT.SETUP;
  },
);
