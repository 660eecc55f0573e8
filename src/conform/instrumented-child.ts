/**
 * The instrumented child: the reference worker (conformance service, spec section 13) with optional,
 * deliberate misbehaviour chosen by `MULTIFROST_MISBEHAVE` (see {@link parseMisbehaviour}). The kit
 * gives it to a parent driver under test (`--role parent`), and the broken fixture workers are this
 * script with one breakage each. Without `MULTIFROST_MISBEHAVE` it behaves exactly like the reference.
 * @see MF-DRV-1
 */
import { realClock } from '../time/real-clock.js';
import type { ChildWorkerOptions } from '../worker/child-worker.js';
import { MisbehavingTransport, parseMisbehaviour } from './misbehaving-transport.js';
import { isMainModule } from './main-module.js';
import { ConformanceWorker, optionsFromEnv } from './reference-worker.js';

/** Environment variable selecting the breakages. */
export const MISBEHAVE_ENV = 'MULTIFROST_MISBEHAVE';

/** Starts the instrumented child in this process (spawn or connect mode, from the environment). */
export async function runInstrumentedChild(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const how = parseMisbehaviour(env[MISBEHAVE_ENV]);
  const { ZmqTransport } = await import('../transport/zmq/index.js');
  const options: ChildWorkerOptions = {
    ...optionsFromEnv((name) => env[name]),
    transport: new MisbehavingTransport(new ZmqTransport(), how, realClock, (code) => process.exit(code)),
  };
  await new ConformanceWorker(options).run();
}


if (isMainModule(import.meta.url)) await runInstrumentedChild();
