/**
 * The instrumented child: the reference worker (conformance service, spec section 13) with optional,
 * deliberate misbehaviour chosen by `MULTIFROST_MISBEHAVE` (see {@link parseMisbehaviour}). The kit
 * gives it to a parent driver under test (`--role parent`), and the broken fixture workers are this
 * script with one breakage each. Without `MULTIFROST_MISBEHAVE` it behaves exactly like the reference.
 * @see MF-DRV-1
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isProfileName } from '../protocol/profile.js';
import { realClock } from '../time/real-clock.js';
import type { ChildWorkerOptions } from '../worker/child-worker.js';
import { MisbehavingTransport, parseMisbehaviour } from './misbehaving-transport.js';
import { ConformanceWorker } from './reference-worker.js';

/** Environment variable selecting the breakages. */
export const MISBEHAVE_ENV = 'MULTIFROST_MISBEHAVE';

/** Starts the instrumented child in this process (spawn or connect mode, from the environment). */
export async function runInstrumentedChild(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const how = parseMisbehaviour(env[MISBEHAVE_ENV]);
  const { ZmqTransport } = await import('../transport/zmq/index.js');
  const profile = env['MULTIFROST_PROFILE'];
  const namespace = env['MULTIFROST_NAMESPACE'];
  const serviceId = env['MULTIFROST_SERVICE_ID'];
  const options: ChildWorkerOptions = {
    transport: new MisbehavingTransport(new ZmqTransport(), how, realClock, (code) => process.exit(code)),
    ...(isProfileName(profile) ? { profiles: [profile] } : {}),
    ...(namespace === undefined || namespace === '' ? {} : { namespace }),
    ...(serviceId === undefined || serviceId === '' ? {} : { serviceId }),
  };
  await new ConformanceWorker(options).run();
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) await runInstrumentedChild();
