/**
 * Steps of connect.feature: the kit starts the target worker in connect mode (MF-SVC-2) under a fresh
 * MULTIFROST_HOME and checks from outside what it does with the registry of spec section 11. They use
 * only files, /proc, signals, the wire and the conformance service, so they run against a worker in any
 * language. A `service` target gets the read-only entry checks; everything else is skipped with the reason.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { targetName } from '../../src/conform/method-names.js';
import { defaultRegistryBaseDir, lockHolderPid } from '../../src/registry/index.js';
import { octal, RegistryHome } from '../support/connect-home.js';
import {
  deadPid,
  groupListeners,
  isAlive,
  isLoopbackAddress,
  pollFor,
  tcpListeners,
} from '../support/connect-probe.js';
import { RegistryRace } from '../support/connect-race.js';
import { ConnectWorker, connectArgv, connectDealer, uniqueServiceId } from '../support/connect-worker.js';
import { conform, sameValue, show } from '../support/expect.js';
import type { RawParent } from '../support/raw-parent.js';
import type { ConformanceWorld } from '../support/world.js';

type W = ConformanceWorld;

/** What a connect-mode scenario set up and saw. */
interface ConnectState {
  home: RegistryHome;
  serviceId: string;
  /** The target's argv; undefined for a service the kit did not start. */
  argv: string[] | undefined;
  worker: ConnectWorker | undefined;
  /** The worker's entry as first read once registered. */
  entry: unknown;
  /** A kit DEALER on the registered port. */
  dealer: RawParent | undefined;
  /** Entries the kit wrote for other services, by id. */
  others: Record<string, unknown>;
  /** What the kit wrote under the worker's own id before starting it (MF-REG-8). */
  ownBefore: unknown;
  /** A lock the kit created: its content, when (run's clock), and whether it is stale by its owner. */
  lock: { content: string; createdMs: number; deadOwner: boolean } | undefined;
  /** The bytes of a services.json that is not JSON, written by the kit (MF-REG-7). */
  original: Buffer | undefined;
  /** When the kit removed its own lock (run's clock). */
  lockRemovedMs: number | undefined;
  /** The claim the kit holds on a stale lock (MF-REG-14), by path. */
  claimPath?: string;
  /** Looks at services.lock taken while the worker took the lock (MF-REG-13): stop() ends them. */
  lockLooks?: { contents: string[]; stop: () => Promise<void> };
  /** How the kit stopped the worker. */
  stoppedWith: string | undefined;
  race: { race: RegistryRace; workers: ConnectWorker[]; final: unknown } | undefined;
}

const STATE = 'connect';

function state(world: W): ConnectState {
  const found = world.saved.get(STATE) as ConnectState | undefined;
  if (found === undefined)
    throw new Error('no connect-mode set-up: the scenario needs a "Given" of connect.feature first');
  return found;
}

/** How long a worker may take to start and register: twice the step timeout (10 s by default). */
function startBoundMs(world: W): number {
  return 2 * world.timeoutMs;
}

/** ISO 8601 in UTC (`Z` or `+00:00`), as MF-REG-2 asks for `started`. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)$/;

/** A fresh registry for a worker the kit starts; the reason to skip when it cannot start one. */
async function prepare(world: W): Promise<ConnectState | string> {
  const argv = connectArgv(world);
  if (!Array.isArray(argv)) return argv.reason;
  const home = await RegistryHome.fresh();
  world.defer(() => home.remove());
  const created: ConnectState = {
    home,
    serviceId: uniqueServiceId(),
    argv,
    worker: undefined,
    entry: undefined,
    dealer: undefined,
    others: {},
    ownBefore: undefined,
    lock: undefined,
    original: undefined,
    lockRemovedMs: undefined,
    stoppedWith: undefined,
    race: undefined,
  };
  world.saved.set(STATE, created);
  world.trace.note(`fresh MULTIFROST_HOME ${home.baseDir}, service id ${created.serviceId}`);
  return created;
}

function startWorker(world: W, s: ConnectState): ConnectWorker {
  if (s.argv === undefined) throw new Error('the kit cannot start a service it did not launch');
  s.worker = ConnectWorker.start(world, s.home, s.serviceId, s.argv);
  return s.worker;
}

function worker(s: ConnectState): ConnectWorker {
  if (s.worker === undefined)
    throw new Error('no worker: the scenario needs "When the kit starts the worker in connect mode"');
  return s.worker;
}

/** What services.json looks like now, for failure messages. */
async function describeRegistry(home: RegistryHome): Promise<string> {
  const read = await home.read();
  if (read.state === 'missing') return `no ${home.registryPath}`;
  if (read.state === 'unusable') return `${home.registryPath} is unusable (${read.reason})`;
  return `${home.registryPath} holds ${show(read.members)}`;
}

/** Waits for the worker's entry (accepted by `accept`) and fails with `clause` when it does not come. */
async function expectRegistered(
  world: W,
  s: ConnectState,
  boundMs: number,
  clause: string,
  accept?: (entry: unknown) => boolean,
): Promise<unknown> {
  const w = worker(s);
  const entry = await w.registered(boundMs, accept);
  conform(
    entry !== undefined,
    clause,
    `the worker registers "${s.serviceId}" in ${s.home.registryPath} within ${boundMs} ms`,
    `${w.describeExit()}; ${await describeRegistry(s.home)}`,
    w.stderrTail(),
  );
  s.entry = entry;
  world.trace.note(`registered: ${show(entry)}`);
  return entry;
}

/** The registered port, checked to be an integer. */
function registeredPort(s: ConnectState, clause: string): number {
  const port = (s.entry as { port?: unknown } | undefined)?.port;
  conform(
    typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535,
    clause,
    'the entry\'s "port" is an integer in 1-65535',
    show(port),
  );
  return port;
}

/** A kit DEALER on the registered port (made once per scenario). */
async function dealer(world: W, s: ConnectState, clause: string): Promise<RawParent> {
  s.dealer ??= await connectDealer(world, registeredPort(s, clause), s.worker?.process, `service '${s.serviceId}'`);
  return s.dealer;
}

// ---------------------------------------------------------------------------------------------------------
// Set-up

Given('the worker runs in connect mode and has registered', async function (this: W) {
  const target = this.params.target;
  if (target.kind === 'service' && this.params.transport === 'zmq') {
    // Read only: the registry the running service uses, as the kit's own discovery finds it.
    const home = RegistryHome.existing(defaultRegistryBaseDir());
    const s: ConnectState = {
      home,
      serviceId: target.serviceId,
      argv: undefined,
      worker: undefined,
      entry: undefined,
      dealer: undefined,
      others: {},
      ownBefore: undefined,
      lock: undefined,
      original: undefined,
      lockRemovedMs: undefined,
      stoppedWith: undefined,
      race: undefined,
    };
    this.saved.set(STATE, s);
    s.entry = await s.home.entry(target.serviceId);
    conform(
      s.entry !== undefined,
      'MF-LIFE-12',
      `service "${target.serviceId}" is registered in ${home.registryPath}`,
      await describeRegistry(home),
    );
    this.trace.note(`service entry: ${show(s.entry)}`);
    return undefined;
  }
  const s = await prepare(this);
  if (typeof s === 'string') return this.skip(s);
  startWorker(this, s);
  await expectRegistered(this, s, startBoundMs(this), 'MF-SVC-2');
  return undefined;
});

Given('the kit started the worker in connect mode and it has registered', async function (this: W) {
  const s = await prepare(this);
  if (typeof s === 'string') return this.skip(s);
  startWorker(this, s);
  await expectRegistered(this, s, startBoundMs(this), 'MF-SVC-2');
  return undefined;
});

Given('a fresh MULTIFROST_HOME', async function (this: W) {
  const s = await prepare(this);
  if (typeof s === 'string') return this.skip(s);
  return undefined;
});

Given('a fresh MULTIFROST_HOME where the kit holds services.lock with its own live pid', async function (this: W) {
  const s = await prepare(this);
  if (typeof s === 'string') return this.skip(s);
  const content = `${process.pid}\n`;
  await s.home.createLock(content);
  s.lock = { content, createdMs: this.clock.nowMs(), deadOwner: false };
  this.trace.note(`kit created ${s.home.lockPath} holding its own pid ${process.pid}`);
  return undefined;
});

Given(
  /^a fresh MULTIFROST_HOME where services\.lock holds (the pid of a dead process|the kit's own live pid) and was last modified (\d+) s (ago|in the future)$/,
  async function (this: W, holder: string, ageText: string, direction: string) {
    const s = await prepare(this);
    if (typeof s === 'string') return this.skip(s);
    const deadOwner = holder.includes('dead');
    const pid = deadOwner ? await deadPid() : process.pid;
    const content = `${pid}\n`;
    // A lock dated in the future is aged the other way (MF-REG-16): as stale as one that far in the past.
    const ageMs = Number(ageText) * 1000 * (direction === 'ago' ? 1 : -1);
    await s.home.createLock(content, this.clock.epochMs() - ageMs);
    s.lock = { content, createdMs: this.clock.nowMs() - Math.abs(ageMs), deadOwner };
    this.trace.note(
      `kit created ${s.home.lockPath} holding ${deadOwner ? 'dead' : 'live'} pid ${pid}, modified ${ageText} s ${direction}`,
    );
    return undefined;
  },
);

Given(
  'a fresh MULTIFROST_HOME where services.lock holds the pid of a dead process and the kit holds its claim',
  async function (this: W) {
    const s = await prepare(this);
    if (typeof s === 'string') return this.skip(s);
    const content = `${await deadPid()}\n`;
    await s.home.createLock(content);
    s.lock = { content, createdMs: this.clock.nowMs(), deadOwner: true };
    // The claim of that lock (MF-REG-14), held by the kit's live pid: as if the kit were removing the lock.
    s.claimPath = await s.home.claimPathOfLock();
    await s.home.writeFileNamed(s.claimPath.slice(s.home.baseDir.length + 1), `${process.pid}\nkit-claim\n`);
    this.trace.note(`kit created the stale lock ${s.home.lockPath} (dead pid) and holds its claim ${s.claimPath}`);
    return undefined;
  },
);

Given(
  /^a fresh MULTIFROST_HOME where (services\.lock|services\.json) is (a dangling symbolic link|a FIFO)$/,
  async function (this: W, name: string, what: 'a dangling symbolic link' | 'a FIFO') {
    const s = await prepare(this);
    if (typeof s === 'string') return this.skip(s);
    await s.home.plantOddFile(name, what);
    this.trace.note(`kit put ${what} at ${name}`);
    return undefined;
  },
);

Given(
  'a fresh MULTIFROST_HOME whose services.json lists a live service, a service of a dead process and one written with "start_time" and an extra key',
  async function (this: W) {
    const s = await prepare(this);
    if (typeof s === 'string') return this.skip(s);
    const started = new Date(this.clock.epochMs()).toISOString();
    s.others = {
      'other-live': { port: 40001, pid: process.pid, started },
      'other-dead': { port: 40002, pid: await deadPid(), started },
      'other-go': {
        port: 40003,
        pid: process.pid,
        start_time: started,
        host: '127.0.0.1',
        labels: { written_by: 'another implementation' },
      },
    };
    await s.home.writeMembers(s.others);
    return undefined;
  },
);

Given(
  'a fresh MULTIFROST_HOME whose services.json lists a live service whose port is the string {string}',
  async function (this: W, port: string) {
    const s = await prepare(this);
    if (typeof s === 'string') return this.skip(s);
    s.others = { 'other-odd': { port, pid: process.pid, started: new Date(this.clock.epochMs()).toISOString() } };
    await s.home.writeMembers(s.others);
    return undefined;
  },
);

Given(
  /^a fresh MULTIFROST_HOME whose services\.json lists the worker's id for (the kit's own live pid|a dead process)$/,
  async function (this: W, holder: string) {
    const s = await prepare(this);
    if (typeof s === 'string') return this.skip(s);
    const pid = holder === 'a dead process' ? await deadPid() : process.pid;
    s.ownBefore = { port: 40010, pid, started: new Date(this.clock.epochMs()).toISOString() };
    await s.home.writeMembers({ [s.serviceId]: s.ownBefore });
    this.trace.note(
      `kit wrote the entry ${show(s.ownBefore)} under ${s.serviceId} (pid ${pid} ${isAlive(pid) ? 'alive' : 'dead'})`,
    );
    return undefined;
  },
);

Given(/^a fresh MULTIFROST_HOME whose services\.json holds the text (.+)$/, async function (this: W, text: string) {
  const s = await prepare(this);
  if (typeof s === 'string') return this.skip(s);
  s.original = Buffer.from(text, 'utf8');
  await s.home.writeText(s.original);
  return undefined;
});

When('the kit starts the worker in connect mode', function (this: W) {
  startWorker(this, state(this));
});

// ---------------------------------------------------------------------------------------------------------
// The entry, the modes, the socket

Then("its entry holds an integer port, the worker's pid and its start time in ISO 8601 UTC", async function (this: W) {
  const s = state(this);
  const entry = s.entry;
  conform(
    typeof entry === 'object' && entry !== null && !Array.isArray(entry),
    'MF-REG-2',
    'the entry is a JSON object',
    show(entry),
  );
  const fields = entry as Record<string, unknown>;
  registeredPort(s, 'MF-REG-2');
  const pid = fields['pid'];
  conform(
    typeof pid === 'number' && Number.isInteger(pid) && pid > 0,
    'MF-REG-2',
    'the entry\'s "pid" is a positive integer',
    show(pid),
  );
  const started = fields['started'] ?? fields['start_time'];
  conform(
    typeof started === 'string' && ISO_UTC.test(started) && Number.isFinite(Date.parse(started)),
    'MF-REG-2',
    'a "started" (or "start_time") string in ISO 8601 UTC, e.g. "2026-12-01T20:50:55.123Z"',
    show(started),
  );
  const nowMs = this.clock.epochMs();
  const startedMs = Date.parse(started);
  if (s.worker !== undefined) {
    conform(
      Math.abs(nowMs - startedMs) <= 60_000,
      'MF-REG-2',
      `a start time within a minute of now (${new Date(nowMs).toISOString()})`,
      started,
    );
  } else {
    conform(
      startedMs <= nowMs + 60_000,
      'MF-REG-2',
      `a start time not in the future (now ${new Date(nowMs).toISOString()})`,
      started,
    );
  }
  // The pid the entry names must be the worker's: the process the kit started, or what its `pid` method says.
  const kit = await dealer(this, s, 'MF-LIFE-12');
  const id = await kit.call(targetName('pid', this.params.methodNames), []);
  const reply = await kit.replyTo(id, 'MF-LIFE-12', 'the reply to "pid"');
  const answered = reply['type'] === 'response' ? reply['result'] : undefined;
  if (answered === undefined)
    this.log(
      `the worker has no usable "pid" method (${show(reply)}): the entry's pid is compared with the process the kit started`,
    );
  const launched = s.worker?.pid;
  conform(
    pid === launched || pid === answered,
    'MF-LIFE-12',
    `the entry's pid is the worker's (the process started: ${String(launched ?? 'not started by the kit')}, its "pid" method: ${show(answered)})`,
    show(pid),
  );
  conform(isAlive(pid), 'MF-LIFE-12', `pid ${pid} is alive`, 'no such process');
});

Then(
  'a kit DEALER connected to 127.0.0.1 on the registered port gets {string} answered',
  async function (this: W, method: string) {
    const s = state(this);
    const kit = await dealer(this, s, 'MF-LIFE-12');
    const value = `connect mode ${s.serviceId}`;
    const id = await kit.call(targetName(method, this.params.methodNames), [value]);
    const reply = await kit.replyTo(id, 'MF-LIFE-12', `the reply to "${method}"`);
    conform(
      reply['type'] === 'response' && sameValue(reply['result'], value),
      'MF-LIFE-12',
      `a RESPONSE with result ${show(value)}`,
      show(reply),
    );
  },
);

Then('the registry directory has mode 0700 and services.json has mode 0600', async function (this: W) {
  const s = state(this);
  if (s.worker !== undefined) {
    // The entry is visible from the moment the file is renamed into place; a worker is done registering
    // (whatever it does to the file after the rename) once it serves. So the modes are read after an answer.
    const kit = await dealer(this, s, 'MF-REG-11');
    const id = await kit.call(targetName('echo', this.params.methodNames), ['registered']);
    await kit.replyTo(id, 'MF-REG-11', 'the reply to "echo" once the worker serves');
  }
  const modes = await s.home.modes();
  conform(modes.file === 0o600, 'MF-REG-11', `${s.home.registryPath} has mode 0600`, octal(modes.file));
  if (s.worker === undefined) {
    this.log(
      `directory ${s.home.baseDir} has mode ${octal(modes.directory)}: not judged, the kit cannot tell who created it`,
    );
    return;
  }
  conform(
    modes.directory === 0o700,
    'MF-REG-11',
    `the directory ${s.home.baseDir}, created by the worker, has mode 0700`,
    octal(modes.directory),
  );
});

Then('the socket listening on the registered port is bound to 127.0.0.1, not to every interface', function (this: W) {
  const s = state(this);
  const port = registeredPort(s, 'MF-LIFE-12');
  const all = tcpListeners();
  if (all === undefined)
    return this.skip('no /proc/net/tcp on this system: the bound address cannot be read from outside');
  const listening = all.filter((listener) => listener.port === port);
  conform(
    listening.length > 0,
    'MF-LIFE-12',
    `a TCP socket listening on port ${port}`,
    'none in /proc/net/tcp or /proc/net/tcp6',
  );
  const exposed = listening.filter((listener) => !isLoopbackAddress(listener.address));
  conform(
    exposed.length === 0,
    'MF-SEC-1',
    `port ${port} bound to 127.0.0.1 only`,
    listening.map((listener) => `${listener.family} ${listener.address}:${listener.port}`).join(', '),
  );
  return undefined;
});

// ---------------------------------------------------------------------------------------------------------
// The lock

/**
 * For `windowMs` after the worker listens: no services.json, the kit's lock untouched, the worker running.
 * `holding` says why the worker must wait (for the failure message).
 */
async function expectWaiting(world: W, windowMs: number, holding: string, clause: string): Promise<void> {
  const s = state(world);
  const w = worker(s);
  const lock = s.lock!;
  const pid = w.pid!;
  const listening = await pollFor(
    world.clock,
    startBoundMs(world),
    () => {
      const found = groupListeners(pid);
      return found === undefined || found.length > 0 ? (found ?? 'no /proc') : undefined;
    },
    { giveUp: () => w.exited !== undefined },
  );
  conform(
    w.exited === undefined,
    'MF-REG-5',
    `the worker keeps waiting for the lock (up to 10 s) while ${holding}`,
    w.describeExit(),
    w.stderrTail(),
  );
  if (listening === undefined)
    world.log(`the worker's process group did not listen on TCP within ${startBoundMs(world)} ms; observing from now`);
  else if (listening === 'no /proc') world.log('no /proc here: the window starts now, not when the worker listens');
  const seen = await pollFor(world.clock, windowMs, async () => {
    if ((await s.home.bytes()) !== undefined)
      return `the worker wrote ${s.home.registryPath}: ${await describeRegistry(s.home)}`;
    const content = await s.home.lockContent();
    if (content !== lock.content)
      return `the kit's lock was ${content === undefined ? 'removed' : `replaced by ${show(content)}`} although ${holding}, ${Math.round(world.clock.nowMs() - lock.createdMs)} ms after it was made`;
    if (w.exited !== undefined) return `the worker ${w.describeExit()} instead of waiting for the lock (up to 10 s)`;
    return undefined;
  });
  conform(
    seen === undefined,
    clause,
    `while ${holding}, the worker waits: no services.json, the lock untouched, the worker running`,
    seen ?? '',
    w.stderrTail(),
  );
}

Then(
  "for {int} ms after the worker listens, services.json is not written and the kit's lock is left alone",
  async function (this: W, windowMs: number) {
    await expectWaiting(
      this,
      windowMs,
      `the kit holds ${state(this).home.lockPath} (its owner, pid ${process.pid}, is alive)`,
      this.clauseOr('MF-REG-3'),
    );
  },
);

Then(
  'for {int} ms after the worker listens, services.json is not written and the claimed lock is left alone',
  async function (this: W, windowMs: number) {
    await expectWaiting(
      this,
      windowMs,
      `the kit (live pid ${process.pid}) holds the claim ${state(this).claimPath ?? ''} of the stale lock`,
      'MF-REG-14',
    );
  },
);

When('the kit removes its claim', async function (this: W) {
  const s = state(this);
  await s.home.removeFileNamed(s.claimPath!.slice(s.home.baseDir.length + 1));
  s.lockRemovedMs = this.clock.nowMs();
  this.trace.note('kit removed its claim');
});

Then('every look at services.lock while the worker took it found a pid on its first line', async function (this: W) {
  const s = state(this);
  const looks = s.lockLooks!;
  await looks.stop();
  const without = looks.contents.filter((content) => lockHolderPid(content) === undefined);
  this.log(`${looks.contents.length} looks found the worker's lock, ${without.length} without a pid`);
  conform(
    without.length === 0,
    'MF-REG-13',
    'services.lock appears complete, with the pid on its first line (temporary file, then link)',
    `${without.length} of ${looks.contents.length} looks found ${show(without[0])}`,
  );
});

/** Looks at services.lock as often as it can until stopped, keeping what was found there (MF-REG-13). */
function watchLock(world: W, s: ConnectState): void {
  const contents: string[] = [];
  let running = true;
  const looking = (async () => {
    while (running) {
      const content = await s.home.lockContent().catch(() => undefined);
      if (content !== undefined && content !== s.lock?.content) contents.push(content);
      await world.clock.sleep(1);
    }
  })();
  s.lockLooks = {
    contents,
    stop: async () => {
      running = false;
      await looking;
    },
  };
  world.defer(() => s.lockLooks?.stop());
}

When('the kit removes its lock', async function (this: W) {
  const s = state(this);
  const removed = await s.home.removeLock(s.lock!.content);
  conform(removed, 'MF-REG-3', `the kit's lock ${s.home.lockPath} is still in place`, show(await s.home.lockContent()));
  s.lockRemovedMs = this.clock.nowMs();
  watchLock(this, s);
  this.trace.note('kit removed its lock');
});

Then('the worker registers within {int} ms', async function (this: W, boundMs: number) {
  const s = state(this);
  await expectRegistered(this, s, boundMs, 'MF-REG-5');
  this.log(
    `registered ${Math.round(this.clock.nowMs() - (s.lockRemovedMs ?? s.worker!.startedMs))} ms after the lock was removed`,
  );
});

/** Files the kit plants for MF-REG-17: what a dead writer left, and what must be kept. */
interface Leftovers {
  dead: string[];
  kept: string[];
}

Given(
  "a fresh MULTIFROST_HOME holding a dead writer's temporary registry file, temporary lock file and claim, a live process's temporary registry file and a file of another program",
  async function (this: W) {
    const s = await prepare(this);
    if (typeof s === 'string') return this.skip(s);
    const dead = await deadPid();
    const token = 'a1b2c3d4e5f60718';
    const leftovers: Leftovers = {
      // Names and contents as MF-REG-6, MF-REG-13 and MF-REG-14 give them; the claim's lock is long gone.
      dead: [`services.json.tmp-${dead}-5e1f00`, `services.lock.tmp-${dead}-5e1f01`, 'services.lock.4242.claim'],
      kept: [`services.json.tmp-${process.pid}-5e1f02`, 'notes.txt'],
    };
    await s.home.writeFileNamed(leftovers.dead[0]!, '{"half": ');
    await s.home.writeFileNamed(leftovers.dead[1]!, `${dead}\n${token}\n`);
    await s.home.writeFileNamed(leftovers.dead[2]!, `${dead}\n${token}\n`);
    await s.home.writeFileNamed(leftovers.kept[0]!, '{"half": ');
    await s.home.writeFileNamed(leftovers.kept[1]!, 'not the registry\n');
    this.saved.set('leftovers', leftovers);
    this.trace.note(`kit planted ${[...leftovers.dead, ...leftovers.kept].join(', ')} (dead pid ${dead})`);
    return undefined;
  },
);

Then(
  "the dead writer's temporary files and claim are gone, and the live process's file and the other program's file are kept",
  async function (this: W) {
    const s = state(this);
    const leftovers = this.saved.get('leftovers') as Leftovers;
    const files = await s.home.files();
    const stillThere = leftovers.dead.filter((name) => files.includes(name));
    conform(
      stillThere.length === 0,
      'MF-REG-17',
      `a writer holding the lock removes what dead writers left: ${leftovers.dead.join(', ')}`,
      `still there after the worker registered: ${stillThere.join(', ')}`,
      `files: ${files.join(', ')}`,
    );
    const removed = leftovers.kept.filter((name) => !files.includes(name));
    conform(
      removed.length === 0,
      'MF-REG-17',
      `it touches no other file: ${leftovers.kept.join(', ')} are kept`,
      `removed: ${removed.join(', ')}`,
      `files: ${files.join(', ')}`,
    );
  },
);

Then('the worker registers within the start-up time', async function (this: W) {
  const s = state(this);
  // A lock dated in the future that is not broken fails MF-REG-16 (that row's own clause), not MF-REG-4.
  await expectRegistered(this, s, startBoundMs(this), this.clauseOr('MF-REG-16'));
  if (s.lock?.deadOwner === true) {
    // Broken because its owner is dead, not because it aged out at 10 s.
    const ageMs = this.clock.nowMs() - s.lock.createdMs;
    conform(
      ageMs < 9_000,
      'MF-REG-4',
      'the lock of a dead owner is broken at once, well before it is 10 s old',
      `the worker registered when the lock was ${Math.round(ageMs)} ms old`,
    );
  }
});

Then(
  /^within (\d+) ms the worker exits with a non-zero status or reports an error, and (services\.lock|services\.json) is still (a dangling symbolic link|a FIFO)$/,
  async function (this: W, boundText: string, name: string, what: string) {
    const s = state(this);
    const w = worker(s);
    const boundMs = Number(boundText);
    const reported = (): boolean =>
      w.stderr.some((line) => /error|fatal|not a regular file|symbolic link|fifo/i.test(line));
    const outcome = await pollFor(this.clock, boundMs, () =>
      w.exited !== undefined ? 'exited' : reported() ? 'reported' : undefined,
    );
    conform(
      outcome !== undefined,
      'MF-REG-15',
      `within ${boundMs} ms of starting, a worker that finds ${what} at ${name} exits with a non-zero status or reports an error on stderr (never follows it, waits on it or spins)`,
      `it runs on and reported nothing (${w.describeExit()})`,
      w.stderrTail(),
    );
    conform(
      w.exited === undefined || w.exited.code !== 0,
      'MF-REG-15',
      'a worker that could not register exits with a non-zero status',
      w.describeExit(),
      w.stderrTail(),
    );
    const kind = await s.home.kindOf(name);
    const expected = what === 'a FIFO' ? 'FIFO' : 'symbolic link';
    conform(kind === expected, 'MF-REG-15', `${name} is left in place, still a ${expected}`, `it is now: ${kind}`);
  },
);

Then('the stale lock is gone', async function (this: W) {
  const s = state(this);
  const content = await s.home.lockContent();
  conform(
    content !== s.lock!.content,
    'MF-REG-4',
    `the stale lock ${show(s.lock!.content)} was removed`,
    `${s.home.lockPath} still holds it`,
  );
});

// ---------------------------------------------------------------------------------------------------------
// Stopping

When('the kit stops the worker with {word}', async function (this: W, how: string) {
  const s = state(this);
  const w = worker(s);
  s.stoppedWith = how;
  if (how === 'SIGTERM' || how === 'SIGINT') {
    w.signal(how);
    return;
  }
  if (how !== 'SHUTDOWN') throw new Error(`unknown way to stop a worker: ${how}`);
  const kit = await dealer(this, s, 'MF-LIFE-6');
  await kit.send(kit.core('shutdown'));
});

Then('the worker exits with status 0 and its entry is gone from services.json', async function (this: W) {
  const s = state(this);
  const w = worker(s);
  const clause = s.stoppedWith === 'SHUTDOWN' ? 'MF-LIFE-6' : 'MF-LIFE-7';
  const info = await w.waitExit(this.timeoutMs);
  conform(
    info !== undefined,
    clause,
    `the worker exits within ${this.timeoutMs} ms of ${s.stoppedWith}`,
    'still running',
    w.stderrTail(),
  );
  conform(info.code === 0, clause, `exit status 0 after ${s.stoppedWith}`, w.describeExit(), w.stderrTail());
  const read = await s.home.read();
  conform(
    read.state !== 'unusable',
    'MF-REG-9',
    `${s.home.registryPath} is still a JSON object`,
    await describeRegistry(s.home),
  );
  conform(
    read.state === 'missing' || !Object.prototype.hasOwnProperty.call(read.members, s.serviceId),
    'MF-REG-9',
    `the entry "${s.serviceId}" is removed when the worker stops`,
    await describeRegistry(s.home),
  );
});

Then('the worker has exited', async function (this: W) {
  const s = state(this);
  const w = worker(s);
  const info = await w.waitExit(this.timeoutMs);
  conform(
    info !== undefined,
    'MF-LIFE-7',
    `the worker exits within ${this.timeoutMs} ms of ${s.stoppedWith ?? 'being stopped'}`,
    'still running',
    w.stderrTail(),
  );
});

// ---------------------------------------------------------------------------------------------------------
// Other services, ids held, a file that is not JSON

Then("the other services' entries are all still there, unchanged", async function (this: W) {
  const s = state(this);
  const read = await s.home.read();
  conform(
    read.state === 'ok',
    this.clause,
    `${s.home.registryPath} is still a JSON object`,
    await describeRegistry(s.home),
  );
  for (const [id, expected] of Object.entries(s.others)) {
    const present = Object.prototype.hasOwnProperty.call(read.members, id);
    conform(
      present,
      this.clause,
      `the entry "${id}" of another service is kept: ${show(expected)}`,
      `it is gone; ${await describeRegistry(s.home)}`,
    );
    conform(
      sameValue(read.members[id], expected),
      this.clause,
      `the entry "${id}" unchanged: ${show(expected)}`,
      show(read.members[id]),
    );
  }
});

Then(
  'the worker refuses the id: it exits with a non-zero status or reports an error, and the entry is unchanged',
  async function (this: W) {
    const s = state(this);
    const w = worker(s);
    const reported = (): boolean => w.stderr.some((line) => /error|fatal|already|refus|in use|taken/i.test(line));
    const outcome = await pollFor(this.clock, startBoundMs(this), async () => {
      if (!sameValue(await s.home.entry(s.serviceId), s.ownBefore)) return 'overwritten';
      if (w.exited !== undefined) return 'exited';
      return reported() ? 'reported' : undefined;
    });
    const entry = await s.home.entry(s.serviceId);
    conform(
      sameValue(entry, s.ownBefore),
      'MF-REG-8',
      `the entry of live pid ${process.pid} under "${s.serviceId}" is left as it was: ${show(s.ownBefore)}`,
      `${show(entry)} (${w.describeExit()})`,
      w.stderrTail(),
    );
    conform(
      outcome !== undefined,
      'MF-REG-8',
      `within ${startBoundMs(this)} ms the worker exits with a non-zero status or reports an error on stderr`,
      'it runs on and reported nothing',
      w.stderrTail(),
    );
    conform(
      w.exited === undefined || w.exited.code !== 0,
      'MF-REG-8',
      'a worker that could not register exits with a non-zero status',
      w.describeExit(),
      w.stderrTail(),
    );
  },
);

Then("the worker registers within the start-up time, replacing the dead process's entry", async function (this: W) {
  const s = state(this);
  const deadPidBefore = (s.ownBefore as { pid: number }).pid;
  const entry = await expectRegistered(
    this,
    s,
    startBoundMs(this),
    'MF-REG-8',
    (value) => !sameValue(value, s.ownBefore),
  );
  const pid = (entry as { pid?: unknown }).pid;
  conform(
    pid !== deadPidBefore && typeof pid === 'number' && isAlive(pid),
    'MF-REG-8',
    `the entry now names the worker's live pid, not dead pid ${deadPidBefore}`,
    show(entry),
  );
});

Then('within the start-up time the worker registers or exits', async function (this: W) {
  const s = state(this);
  const w = worker(s);
  const outcome = await pollFor(this.clock, startBoundMs(this), async () => {
    if ((await s.home.entry(s.serviceId)) !== undefined) return 'registered';
    return w.exited === undefined ? undefined : 'exited';
  });
  this.log(`the worker ${outcome ?? 'did neither'} (${w.describeExit()}); files: ${(await s.home.files()).join(', ')}`);
  conform(
    outcome !== undefined,
    'MF-REG-7',
    `within ${startBoundMs(this)} ms the worker registers in a fresh registry or exits with an error`,
    `${w.describeExit()}; ${await describeRegistry(s.home)}`,
    w.stderrTail(),
  );
});

Then(
  'the original bytes of services.json are kept in another file of the registry directory',
  async function (this: W) {
    const s = state(this);
    const original = s.original!;
    const names = (await s.home.files()).filter((name) => name !== 'services.json' && name !== 'services.lock');
    const keeping: string[] = [];
    for (const name of names) if ((await s.home.fileBytes(name))?.equals(original) === true) keeping.push(name);
    const current = await s.home.bytes();
    conform(
      keeping.length > 0,
      'MF-REG-7',
      `the unusable services.json (${show(original.toString('utf8'))}) moved aside under a new name in ${s.home.baseDir}`,
      `no other file holds those bytes (files: ${show(await s.home.files())}; services.json ${current === undefined ? 'is gone' : current.equals(original) ? 'still holds them: not moved aside' : `now holds ${show(current.toString('utf8'))}`})`,
      worker(s).stderrTail(),
    );
    this.log(`moved aside to ${keeping.join(', ')}`);
  },
);

// ---------------------------------------------------------------------------------------------------------
// The race

When(
  "{int} workers start in connect mode while the kit's writer registers and unregisters its own {int} ids at least {int} times",
  function (this: W, count: number, ids: number, operations: number) {
    const s = state(this);
    const race = new RegistryRace(s.home, this.clock, { ids, minOperations: operations });
    this.defer(() => race.finish());
    const serviceIds = Array.from({ length: count }, () => uniqueServiceId());
    for (const id of serviceIds) race.watch(id);
    race.start();
    const workers = serviceIds.map((id, i) => ConnectWorker.start(this, s.home, id, s.argv!, `worker ${i + 1}`));
    s.race = { race, workers, final: undefined };
  },
);

When(
  'the kit stops every worker with SIGTERM once all have registered, while its writer goes on',
  async function (this: W) {
    const s = state(this);
    const { race, workers } = s.race!;
    const all = await pollFor(
      this.clock,
      startBoundMs(this),
      () => ([...race.workers.values()].every((w) => w.seen) ? true : undefined),
      {
        giveUp: () => workers.some((w) => w.exited !== undefined),
      },
    );
    const missing = [...race.workers.values()].filter((w) => !w.seen).map((w) => w.serviceId);
    if (all === undefined) {
      await race.finish();
      const ended = workers
        .filter((w) => w.exited !== undefined)
        .map((w) => `${w.serviceId} ${w.describeExit()} ${w.stderrTail(2)}`);
      conform(
        false,
        'MF-REG-3',
        `every worker's entry appears within ${startBoundMs(this)} ms while the kit's writer works`,
        `never seen: ${missing.join(', ')}${ended.length > 0 ? `; ${ended.join('; ')}` : ''}`,
        race.problems.map((p) => p.text).join(' | '),
      );
    }
    for (const w of workers) {
      race.workers.get(w.serviceId)!.running = false;
      w.signal('SIGTERM');
    }
    await Promise.all(workers.map((w) => w.waitExit(this.timeoutMs)));
    await race.finish();
    const read = await s.home.read();
    s.race!.final = read;
    this.log(`race: ${race.operations} kit operations, ${race.samples} unlocked reads, ${workers.length} workers`);
  },
);

Then('every read of services.json during the race saw a whole JSON object', async function (this: W) {
  const s = state(this);
  const { race, final } = s.race!;
  const torn = race.problems.filter((p) => p.clause === 'MF-REG-6');
  conform(
    torn.length === 0,
    'MF-REG-6',
    `each of ${race.samples} reads without the lock finds the old file or the new one (atomic writes)`,
    torn.map((p) => p.text).join(' | '),
  );
  conform(
    (final as { state: string }).state === 'ok',
    'MF-REG-6',
    `${s.home.registryPath} is a JSON object at the end`,
    await describeRegistry(s.home),
  );
});

Then(
  "no entry was lost: each running worker's entry was there while it ran, and each kit id is as the kit left it",
  function (this: W) {
    const s = state(this);
    const { race, final } = s.race!;
    race.checkFinal((final as { members: Record<string, unknown> }).members);
    const lost = race.problems.filter((p) => p.clause === 'MF-REG-3');
    conform(
      lost.length === 0,
      'MF-REG-3',
      `no lost update in ${race.operations} kit operations and ${race.samples} reads`,
      lost.map((p) => p.text).join(' | '),
    );
  },
);

Then('every stopped worker exited with status 0 and its entry is gone', function (this: W) {
  const s = state(this);
  const { workers, final } = s.race!;
  const members = (final as { members: Record<string, unknown> }).members;
  for (const w of workers) {
    conform(
      w.exited?.code === 0,
      'MF-LIFE-7',
      `worker ${w.serviceId} exits with status 0 after SIGTERM`,
      w.describeExit(),
      w.stderrTail(),
    );
    conform(
      !Object.prototype.hasOwnProperty.call(members, w.serviceId),
      'MF-REG-9',
      `the entry of stopped worker ${w.serviceId} is gone`,
      show(members[w.serviceId]),
    );
  }
});
