/**
 * CURVE steps (MF-SEC-5 .. MF-SEC-8): what a parent driver under test handed the kit's child, read from the
 * child's observation log (`start` record: whether the key was in its environment or arguments; `curve`
 * record: the socket became a CURVE server). The key itself is never logged. A child target has no hello
 * line: the kit's own reference worker has CURVE, and a foreign child declares it through the kit's
 * environment, `MULTIFROST_CHILD_CAPABILITIES=curve` (a comma list).
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { defaultCodec } from '../../src/protocol/codec.js';
import { createCall } from '../../src/protocol/messages.js';
import { PROFILES } from '../../src/protocol/profile.js';
import { defaultRegistryBaseDir } from '../../src/registry/index.js';
import { type PeerEvent, loopbackEndpoint } from '../../src/transport/transport.js';
import { CURVE_REGISTRY_FIELD, ENV_CURVE, ENV_CURVE_SECRET_KEY } from '../../src/worker/shared/curve-environment.js';
import { checkCurveKey, generateCurveKeyPair } from '../../src/worker/shared/curve-keys.js';
import type { LaunchedProcess } from '../../src/worker/shared/process-launcher.js';
import { RegistryHome } from '../support/connect-home.js';
import { ConnectWorker, connectArgv, connectDealer, uniqueServiceId } from '../support/connect-worker.js';
import { conform, show, within } from '../support/expect.js';
import type { DriverSession } from '../support/driver-session.js';
import { raw, sendCall } from './child-wire.steps.js';
import type { ConformanceWorld } from '../support/world.js';

type W = ConformanceWorld;

/** The driver the scenario started ("the parent driver runs the kit's child"). */
function driverOf(world: W): DriverSession {
  const driver = world.saved.get('driver') as DriverSession | undefined;
  if (driver === undefined) throw new Error('no driver: the scenario needs a "the parent driver runs ..." step');
  return driver;
}

Then("the kit's child was given a CURVE secret key in its environment, not in its arguments", async function (this: W) {
  const driver = driverOf(this);
  const start = await driver.waitForObservation((log) => log.find((o) => o.event === 'start'), this.timeoutMs);
  const curve = (start?.['curve'] ?? {}) as Record<string, unknown>;
  conform(
    curve['keyInEnvironment'] === true && curve['keyLength'] === 40,
    'MF-SEC-6',
    "MULTIFROST_CURVE_SECRET_KEY in the kit's child's environment, 40 characters of Z85",
    start === undefined ? "no start record from the kit's child" : show(curve),
  );
  conform(
    curve['keyInArguments'] === false,
    'MF-SEC-6',
    "the key nowhere in the kit's child's arguments (every local user can read /proc/<pid>/cmdline)",
    show(curve),
  );
});

Then("the kit's child made its socket a CURVE server with that key", async function (this: W) {
  const driver = driverOf(this);
  const secured = await driver.waitForObservation((log) => log.find((o) => o.event === 'curve'), this.timeoutMs);
  conform(
    secured?.['role'] === 'server',
    'MF-SEC-6',
    "the kit's child's ROUTER a CURVE server (so only a CURVE client of its public key can reach it)",
    show(driver.observations().slice(0, 4)),
  );
});

/** The environment variable through which the person running the kit declares a foreign child's capabilities. */
export const CHILD_CAPABILITIES_ENV = 'MULTIFROST_CHILD_CAPABILITIES';

Given('the worker declares the capability {string}', function (this: W, capability: string) {
  if (this.params.transport !== 'zmq')
    return this.skip('CURVE needs real ZeroMQ: the simulator has no handshake (profile zmq)');
  const target = this.params.target;
  if (target.kind === 'service')
    return this.skip('a running service is not started by the kit, so it cannot be handed a key');
  if (target.kind === 'parent-driver') return this.skip('a parent-driver target is a parent; this checks a child');
  const declared = [
    ...(process.env[CHILD_CAPABILITIES_ENV] ?? '').split(',').map((item) => item.trim()),
    ...(this.params.capabilities ?? []),
  ];
  if (target.kind !== 'reference' && !declared.includes(capability))
    return this.skip(
      `the child does not declare the capability "${capability}" (a child has no hello line: set ` +
        `${CHILD_CAPABILITIES_ENV}=${capability} in the kit's environment when it has it)`,
    );
  return undefined;
});

When(
  'the kit starts the worker with a CURVE secret key and connects as a CURVE client of its public key',
  async function (this: W) {
    const pair = generateCurveKeyPair();
    await this.startChild({ env: { [ENV_CURVE_SECRET_KEY]: pair.secretKey }, curveServerPublicKey: pair.publicKey });
  },
);

Then('the worker answers a call over that CURVE connection', async function (this: W) {
  // A child that took the key but kept a plaintext socket never completes the handshake: no answer comes.
  const id = await sendCall(this, 'add', [20, 22]);
  await raw(this).replyTo(id, 'MF-SEC-6');
});

/** A CURVE service under test (MF-SEC-7): its registry entry, and its process when the kit started it. */
interface CurveService {
  serviceId: string;
  entry: Record<string, unknown>;
  process: LaunchedProcess | undefined;
}

const CURVE_SERVICE = 'curve-service';

function curveServiceOf(world: W): CurveService {
  const service = world.saved.get(CURVE_SERVICE) as CurveService | undefined;
  if (service === undefined)
    throw new Error('no CURVE service: the scenario needs "the worker runs as a CURVE service"');
  return service;
}

function portOf(service: CurveService): number {
  const port = service.entry['port'];
  if (typeof port !== 'number')
    throw new Error(`the entry of '${service.serviceId}' has no port: ${show(service.entry)}`);
  return port;
}

Given('the service declares the capability {string}', function (this: W, capability: string) {
  if (this.params.transport !== 'zmq')
    return this.skip('CURVE needs real ZeroMQ and connect mode real files: the simulator has neither (profile zmq)');
  const target = this.params.target;
  if (target.kind === 'parent-driver') return this.skip('a parent-driver target is a parent; this checks a service');
  const declared = [
    ...(process.env[CHILD_CAPABILITIES_ENV] ?? '').split(',').map((item) => item.trim()),
    ...(this.params.capabilities ?? []),
  ];
  if (target.kind !== 'reference' && !declared.includes(capability))
    return this.skip(
      `the service does not declare the capability "${capability}" (a worker has no hello line: set ` +
        `${CHILD_CAPABILITIES_ENV}=${capability} in the kit's environment when it has it)`,
    );
  return undefined;
});

Given('the worker runs as a CURVE service and has registered', async function (this: W) {
  const target = this.params.target;
  if (target.kind === 'service') {
    // Read only: the running service's entry, as the kit's own discovery finds it.
    const home = RegistryHome.existing(defaultRegistryBaseDir());
    const entry = await home.entry(target.serviceId);
    conform(
      typeof entry === 'object' && entry !== null,
      'MF-SEC-7',
      `service "${target.serviceId}" registered in ${home.registryPath}`,
      show(entry),
    );
    this.saved.set(CURVE_SERVICE, { serviceId: target.serviceId, entry, process: undefined });
    return undefined;
  }
  const argv = connectArgv(this);
  if (!Array.isArray(argv)) return this.skip(argv.reason);
  const home = await RegistryHome.fresh();
  this.defer(() => home.remove());
  const serviceId = uniqueServiceId();
  const worker = ConnectWorker.start(this, home, serviceId, argv, 'worker', { [ENV_CURVE]: '1' });
  const boundMs = 2 * this.timeoutMs;
  const entry = await worker.registered(boundMs);
  conform(
    typeof entry === 'object' && entry !== null,
    'MF-SEC-7',
    `started with ${ENV_CURVE}=1 in connect mode, the worker registers "${serviceId}" within ${boundMs} ms`,
    `${worker.describeExit()}; ${worker.stderrTail()}`,
  );
  this.saved.set(CURVE_SERVICE, { serviceId, entry, process: worker.process });
  return undefined;
});

Then('its registry entry carries a curve_public_key of 40 characters of Z85', function (this: W) {
  const { entry } = curveServiceOf(this);
  const key = entry[CURVE_REGISTRY_FIELD];
  let valid: boolean;
  try {
    valid = checkCurveKey(key, CURVE_REGISTRY_FIELD).length === 40;
  } catch {
    valid = false;
  }
  conform(valid, 'MF-SEC-7', `"${CURVE_REGISTRY_FIELD}": 40 characters of Z85 (a 32-byte public key)`, show(entry));
});

Then('a plaintext client of its port is refused by the handshake and gets no answer', async function (this: W) {
  const service = curveServiceOf(this);
  const socket = (await this.transport('kit')).dealer();
  this.defer(() => socket.close());
  if (socket.watchPeers === undefined) throw new Error('the kit transport reports no connection events');
  // The first handshake outcome: a CURVE server refuses a NULL (plaintext) client, a plaintext server accepts it.
  let stop = (): void => undefined;
  const outcome = new Promise<PeerEvent>((resolve) => {
    stop = socket.watchPeers!((event) => {
      if (event.type === 'handshake' || event.type === 'handshake-failed') resolve(event);
    });
  });
  await socket.connect(loopbackEndpoint(portOf(service)));
  const call = createCall(
    PROFILES[this.params.profile],
    'mf-sec-7-plain',
    this.clock.epochMs() / 1000,
    'add',
    [1, 2],
    undefined,
  );
  void socket.post([new Uint8Array(0), defaultCodec.encode(call)], () => undefined);
  const answered = socket.receive().then(
    (frames) => frames,
    () => undefined,
  );
  const event = await within(this.clock, this.timeoutMs, outcome);
  stop();
  // MF-SEC-5: a peer that does not complete the CURVE handshake exchanges no message.
  conform(
    event?.type === 'handshake-failed',
    'MF-SEC-5',
    'the handshake of a plaintext client fails: only a CURVE client of the published key gets in',
    event === undefined ? `no handshake outcome within ${this.timeoutMs} ms` : `${event.type} ${event.detail ?? ''}`,
  );
  const reply = await Promise.race([answered, Promise.resolve('none' as const)]);
  conform(reply === 'none' || reply === undefined, 'MF-SEC-5', 'no answer to the plaintext CALL', show(reply));
});

Then('a CURVE client of that key gets an answer', async function (this: W) {
  const service = curveServiceOf(this);
  const key = String(service.entry[CURVE_REGISTRY_FIELD]);
  const client = await connectDealer(this, portOf(service), service.process, 'CURVE client of the published key', key);
  const id = await client.call('add', [20, 22]);
  const reply = await client.replyTo(id, 'MF-SEC-7', 'a RESPONSE to a CURVE client of the published key');
  conform(
    reply['type'] === 'response' && reply['result'] === 42,
    'MF-SEC-7',
    'add(20, 22) = 42 over CURVE',
    show(reply),
  );
});
