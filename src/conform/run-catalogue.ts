/**
 * Runs the .feature catalogue in this process through cucumber-js's programmatic API
 * (`loadConfiguration` + `runCucumber`), with no configuration file: every option is set here, and the
 * catalogue's World receives the target through `worldParameters`. Results come back as envelopes
 * (cucumber messages), which {@link ScenarioCollector} turns into verdicts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Envelope, Pickle } from '@cucumber/messages';
import { loadConfiguration, runCucumber, type ISupportCodeLibrary } from '@cucumber/cucumber/api';
import { InvalidArgumentError } from '../errors.js';
import { scenarioId, type CatalogueLocation } from './catalogue.js';
import type { ProfileName } from '../protocol/profile.js';

/** What the catalogue's World reads (see features/support/world-parameters.ts). */
export interface KitWorldParameters {
  transport: 'memory' | 'zmq';
  target:
    | { kind: 'reference' }
    | { kind: 'command'; argv: string[] }
    | { kind: 'service'; serviceId: string }
    | { kind: 'parent-driver'; argv: string[]; childArgv: string[] };
  profile: ProfileName;
  stepTimeoutMs?: number;
  [key: string]: unknown;
}

export interface CatalogueRunOptions {
  catalogue: CatalogueLocation;
  worldParameters: KitWorldParameters;
  /** Cucumber tag expression, e.g. `@child and not @slow`. */
  tags?: string;
  /** Regular expressions; a scenario runs when its name matches one. */
  names?: string[];
  /** Load and filter only (for `list`). */
  dryRun?: boolean;
  /** Per-step timeout in ms (also passed to the World). */
  stepTimeoutMs?: number;
  /** Worker processes (cucumber `parallel`); 0 runs in this process. */
  parallel?: number;
  onEnvelope: (envelope: Envelope) => void;
  /**
   * The support code library of an earlier run in this process. Support code is loaded with `import()`,
   * and an ES module runs once per process: a second load would register no steps, so it is reused.
   */
  support?: ISupportCodeLibrary;
}

/**
 * Environment variable naming the run's stop file. Once the file exists, every scenario that has not started
 * yet is skipped as *not run* with the file's text as the reason (the catalogue's Before hook reads it):
 * `--fail-fast`, a dead service, an interrupt. A file, not a variable, so `--parallel` workers see it too.
 */
export const STOP_FILE_ENV = 'MULTIFROST_CONFORM_STOP_FILE';

/** Asks the run to start no further scenario; the first reason given is kept. No-op outside a CLI run. */
export function requestStop(reason: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = env[STOP_FILE_ENV];
  if (file === undefined || file === '' || existsSync(file)) return;
  try {
    writeFileSync(file, reason, { flag: 'wx' });
  } catch {
    // Another process asked first: its reason stands.
  }
}

/** Why the run stopped starting scenarios, or undefined while it goes on. */
export function stopReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env[STOP_FILE_ENV];
  if (file === undefined || file === '' || !existsSync(file)) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** A sink for cucumber's own formatter output: the kit prints its own report. */
function nullStream(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}

/** Runs the catalogue; resolves when every scenario has finished, with the support library for reuse. */
export async function runCatalogue(options: CatalogueRunOptions): Promise<ISupportCodeLibrary> {
  const { catalogue } = options;
  if (catalogue.featureFiles.length === 0) {
    throw new InvalidArgumentError('features', `no .feature files under ${catalogue.featuresDir}`);
  }
  if (catalogue.supportFiles.length === 0 && options.dryRun !== true) {
    throw new InvalidArgumentError(
      'features',
      `no compiled step definitions under ${catalogue.root}/dist/features: run \`npm run build\``,
    );
  }
  const environment = { cwd: catalogue.root, stdout: nullStream(), stderr: process.stderr, env: process.env };
  const { runConfiguration } = await loadConfiguration(
    {
      file: false,
      provided: {
        paths: catalogue.featureFiles,
        import: catalogue.supportFiles,
        require: [],
        requireModule: [],
        tags: options.tags ?? '',
        name: options.names ?? [],
        dryRun: options.dryRun ?? false,
        parallel: options.parallel ?? 0,
        strict: true,
        format: [],
        formatOptions: {},
        publish: false,
        worldParameters: {
          ...options.worldParameters,
          ...(options.stepTimeoutMs === undefined ? {} : { stepTimeoutMs: options.stepTimeoutMs }),
        },
      },
    },
    environment,
  );
  const { support } = await runCucumber(
    options.support === undefined ? runConfiguration : { ...runConfiguration, support: options.support },
    environment,
    options.onEnvelope,
  );
  return support;
}

/** A scenario of the catalogue, as `list` prints it. */
export interface CatalogueEntry {
  id: string;
  name: string;
  tags: string[];
}

/** The scenarios the filters select, without running them, and the loaded support library. */
export async function listCatalogue(
  options: Omit<CatalogueRunOptions, 'onEnvelope' | 'dryRun'>,
): Promise<{ pickles: Pickle[]; support: ISupportCodeLibrary }> {
  const pickles: Pickle[] = [];
  const selected = new Set<string>();
  const support = await runCatalogue({
    ...options,
    dryRun: true,
    onEnvelope: (envelope) => {
      if (envelope.pickle) pickles.push(envelope.pickle);
      // Filtered-out pickles may still be announced; only those with a test case would run.
      if (envelope.testCase) selected.add(envelope.testCase.pickleId);
    },
  });
  return { pickles: pickles.filter((pickle) => selected.has(pickle.id)), support };
}

/**
 * Every scenario of the catalogue, whatever its role or tags (a baseline may name a scenario the current
 * filters leave out): its id, name and tags. Loads the feature files only, never the support code: an ES
 * module runs once per process, so support code loaded here would register no steps for the real run.
 */
export async function catalogueScenarios(
  catalogue: CatalogueLocation,
): Promise<Array<{ id: string; name: string; tags: string[] }>> {
  const { pickles } = await listCatalogue({
    catalogue: { ...catalogue, supportFiles: [] },
    worldParameters: { transport: 'zmq', target: { kind: 'reference' }, profile: 'v3' },
  });
  return pickles.map((pickle) => ({
    id: scenarioId(pickle, catalogue.featuresDir),
    name: pickle.name,
    tags: pickle.tags.map((tag) => tag.name),
  }));
}
