/** The options and the outcome of one conformance run ({@link runConformance} in conform-run.ts). */
import type { ProfileName } from '../protocol/profile.js';
import type { CatalogueLocation } from './catalogue.js';
import type { MethodNames } from './method-names.js';
import type { Report, ExtraSection } from './results.js';
import type { Target } from './target.js';
import type { ValueFuzzRequest } from './value-fuzz-section.js';

/** Default of {@link ConformOptions.startupTimeoutMs}. */
export const DEFAULT_STARTUP_TIMEOUT_MS = 10_000;

export interface ConformOptions {
  target: Target;
  /** The child the kit gives a parent driver (role parent). */
  childArgv?: string[];
  profile?: ProfileName;
  tags?: string;
  names?: string[];
  stepTimeoutMs?: number;
  /** How long the worker (or driver) may take to start before it is a setup error (default 10,000 ms). */
  startupTimeoutMs?: number;
  /** Stop at the first blocking failure (the rest of the catalogue is reported as not run). */
  failFast?: boolean;
  /** How the conformance service's method names are spelled by the target (spec section 13). */
  methodNames?: MethodNames;
  strict?: boolean;
  trace?: boolean;
  expectedFailures?: string;
  junit?: string;
  /** JSON report file; `-` writes it to stdout, and the human-readable output then goes to `err`. */
  json?: string;
  html?: string;
  parallel?: number;
  quiet?: boolean;
  faults?: string;
  seed?: number;
  /** `--fuzz-values N [--seed S] [--fuzz-dir D]`: differential value checking after the catalogue (value-fuzz.ts). */
  valueFuzz?: ValueFuzzRequest;
  /**
   * Latency and throughput of `add` on the target and the reference worker (timing.ts, MF-SVC-3): true
   * measures (`--timing`), false does not (`--no-timing`), undefined measures when the run covers the whole
   * catalogue (no --tags, no --name) of a child.
   */
  timing?: boolean | undefined;
  /** Extra sections (fault and fuzz results) computed by the caller after the catalogue. */
  extraSections?: (profile: ProfileName) => Promise<ExtraSection[]>;
  /** Where to find the catalogue (default: this package). */
  catalogue?: CatalogueLocation;
  /** Output streams (default process.stdout/stderr). */
  out?: { write(text: string): boolean; isTTY?: boolean };
  err?: { write(text: string): boolean };
  /**
   * Handle SIGINT and SIGTERM during the run (default true): stop every process the kit started, report what
   * was done, exit status 130.
   */
  handleSignals?: boolean;
}

export interface ConformOutcome {
  exitCode: number;
  report: Report | undefined;
}

/** Where a run writes (process.stdout and stderr by default, anything with write() in tests). */
export type Stream = { write(text: string): boolean; isTTY?: boolean };
