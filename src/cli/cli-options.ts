/** What the command line asks for, as parsed by parseArgs in args.ts. */
import type { NameStyle } from '../conform/method-names.js';

export interface CliOptions {
  /** `sim-replay <recording>`: replay a `--record`ed session in the simulator (the file is `script`). */
  command: 'run' | 'list' | 'help' | 'version' | 'sim-replay';
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
  /** `--timing` true, `--no-timing` false, neither undefined: timing of a whole-catalogue run (timing.ts). */
  timing: boolean | undefined;
  replay: string | undefined;
  parallel: number | undefined;
  /** `--target <spec>` (repeatable): several targets in one run, reported as a clause x target matrix. */
  targets: string[];
  /** `--record <file>`: the relay appends every session to this file, in the simulator's trace format. */
  record: string | undefined;
  /** `--jobs`: how many targets run at once (default 2). */
  jobs: number | undefined;
  quiet: boolean;
}
