/**
 * The TypeScript reference worker: implements the conformance service of docs/spec.md section 13, so the
 * whole catalogue can run against it. Run it as a script (spawn mode: `COMLINK_ZMQ_PORT` set by the parent;
 * connect mode: `MULTIFROST_SERVICE_ID`), or start it in the simulator with {@link referenceProgram}.
 * @see MF-SVC-1
 */
import { fileURLToPath } from 'node:url';
import type { ProfileName } from '../protocol/profile.js';
import { isProfileName } from '../protocol/profile.js';
import { ChildWorker, type ChildWorkerOptions } from '../worker/child/child-worker.js';
import { isMainModule } from './main-module.js';
import type { SimProgram } from '../worker/sim/sim-launcher.js';

export class ConformanceWorker extends ChildWorker {
  constructor(options: ChildWorkerOptions = {}) {
    super(options);
  }

  echo(value: unknown): unknown {
    return value;
  }

  add(a: number, b: number): number {
    return a + b;
  }

  fail(message: string): never {
    throw new Error(String(message));
  }

  async sleep(ms: number): Promise<number> {
    await this.workerClock.sleep(Number(ms));
    return ms;
  }

  write_stdout(text: string): void {
    this.writeStdout(String(text));
  }

  write_stderr(text: string): void {
    this.writeStderr(String(text));
  }

  nothing(): void {
    // Returns nothing on purpose: the reply must still carry `result: nil` (MF-CALL-6).
  }

  profile(): ProfileName | undefined {
    return this.callContext?.profile;
  }

  pid(): number {
    return this.workerHost.pid;
  }

  crash(code: number): void {
    this.workerHost.exit(Number.isInteger(code) ? code : 1);
  }

  _secret(): string {
    return 'private methods must never be callable';
  }
}

/**
 * Options from the environment: `MULTIFROST_PROFILE` makes the worker strict to one profile,
 * `MULTIFROST_NAMESPACE` sets the namespace served, `MULTIFROST_SERVICE_ID` selects connect mode.
 */
export function optionsFromEnv(env: (name: string) => string | undefined): ChildWorkerOptions {
  const profile = env('MULTIFROST_PROFILE');
  const namespace = env('MULTIFROST_NAMESPACE');
  const serviceId = env('MULTIFROST_SERVICE_ID');
  return {
    ...(isProfileName(profile) ? { profiles: [profile] } : {}),
    ...(namespace === undefined || namespace === '' ? {} : { namespace }),
    ...(serviceId === undefined || serviceId === '' ? {} : { serviceId }),
  };
}

/** The reference worker as a simulated program (for `SimLauncher`). */
export const referenceProgram: SimProgram = async ({ transport, host, clock }) => {
  await new ConformanceWorker({ ...optionsFromEnv((name) => host.env(name)), transport, host, clock }).run();
};

/** Path of the compiled (or source) reference worker script, for spawning it as a real process. */
export const referenceWorkerPath: string = fileURLToPath(import.meta.url);

if (isMainModule(import.meta.url)) {
  const options = optionsFromEnv((name) => process.env[name]);
  await new ConformanceWorker(options).run();
}
