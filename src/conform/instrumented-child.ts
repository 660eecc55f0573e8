/**
 * The instrumented child: the reference worker (conformance service, spec section 13) with optional,
 * deliberate misbehaviour chosen by `MULTIFROST_MISBEHAVE` (see {@link parseMisbehaviour}), and, when a
 * foreign parent spawns it through its driver, an observation log and provocations (`MULTIFROST_KIT_LOG`,
 * `MULTIFROST_KIT_PROVOKE`, see kit-child-observer.ts). The kit gives it to a parent driver under test
 * (`--role parent`), and the broken fixture workers are this script with one breakage each. Without those
 * variables it behaves exactly like the reference.
 * @see MF-DRV-1
 */
import { InvalidArgumentError } from '../errors.js';
import { isProfileName, type ProfileName } from '../protocol/profile.js';
import { realClock } from '../time/real-clock.js';
import { ProcessHost } from '../worker/child/child-host.js';
import type { ChildWorkerOptions } from '../worker/child/child-worker.js';
import {
  KIT_LOG_ENV,
  KIT_PROVOKE_ENV,
  KitLog,
  ObservedTransport,
  logStart,
  observedHost,
  parseProvocation,
  startGrandchild,
} from './kit-child-observer.js';
import { parseMisbehaviour } from './misbehaviour.js';
import { MisbehavingTransport } from './misbehaving-transport.js';
import { isMainModule } from './main-module.js';
import { ConformanceWorker, optionsFromEnv } from './reference-worker.js';

/** What the child writes to stderr when provoked to exit before it is ready (`exit-at-start=N`). */
export const EXIT_AT_START_LINE = 'kit child: exiting before it connects, as provoked';

/** Environment variable selecting the breakages. */
export const MISBEHAVE_ENV = 'MULTIFROST_MISBEHAVE';

/**
 * The profiles the child accepts, comma-separated (`v4`, `v3,v4`), when the kit sets them itself: a parent
 * told to probe (`MULTIFROST_PROFILE=probe`, MF-PROF-6) passes no profile its child could follow.
 */
export const KIT_PROFILES_ENV = 'MULTIFROST_KIT_PROFILES';

function kitProfiles(text: string | undefined): ProfileName[] | undefined {
  if (text === undefined || text === '') return undefined;
  const names = text.split(',').map((name) => name.trim());
  const profiles = names.filter(isProfileName);
  if (profiles.length !== names.length) throw new InvalidArgumentError(KIT_PROFILES_ENV, `unknown profile in ${text}`);
  return profiles;
}

/** Starts the instrumented child in this process (spawn or connect mode, from the environment). */
export async function runInstrumentedChild(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const how = parseMisbehaviour(env[MISBEHAVE_ENV]);
  const provoke = parseProvocation(env[KIT_PROVOKE_ENV]);
  const log = new KitLog(env[KIT_LOG_ENV] || undefined, realClock);
  logStart(log, (name) => env[name]);
  if (provoke.exitAtStart !== undefined) {
    // The line a parent must quote in its start failure, with the status (MF-LIFE-10).
    process.stderr.write(`${EXIT_AT_START_LINE}\n`);
    log.write('exit', { code: provoke.exitAtStart });
    process.exit(provoke.exitAtStart);
  }
  if (provoke.grandchild === true) startGrandchild(log);
  const { kitTransport } = await import('./kit-transport.js');
  const host = new ProcessHost();
  const exit = (code: number): void => {
    log.write('exit', { code });
    process.exit(code);
  };
  const misbehaving = new MisbehavingTransport(kitTransport(), how, realClock, exit);
  const profiles = kitProfiles(env[KIT_PROFILES_ENV]);
  const options: ChildWorkerOptions = {
    ...optionsFromEnv((name) => env[name]),
    ...(profiles === undefined ? {} : { profiles }),
    transport:
      log.enabled || Object.keys(provoke).length > 0
        ? new ObservedTransport(misbehaving, log, provoke, realClock)
        : misbehaving,
    host: observedHost(host, log, provoke),
  };
  await new ConformanceWorker(options).run();
}

if (isMainModule(import.meta.url)) await runInstrumentedChild();
