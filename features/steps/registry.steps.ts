/** Steps of registry.feature: the TypeScript service registry, in memory (virtual time) and on real files. */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Given, Then, When } from '@cucumber/cucumber';
import { MultifrostError } from '../../src/errors.js';
import {
  MemoryRegistryStore,
  type RegistryStore,
  ServiceRegistry,
  SimulatedProcessTable,
  defaultRegistryBaseDir,
} from '../../src/registry/index.js';
import { conform, conformEqual, settle, show, within } from '../support/expect.js';
import type { ConformanceWorld } from '../support/world.js';
import { describeError } from './parent.steps.js';

type W = ConformanceWorld;

interface Lab {
  registry: ServiceRegistry;
  /** Makes a registry for another process (pid) on the same store. */
  as(pid: number): ServiceRegistry;
  dir?: string;
  memory?: MemoryRegistryStore;
  table?: SimulatedProcessTable;
  pid: number;
  other?: number;
  lockAttempts: Array<{ atMs: number; content: string; created: boolean }>;
  inodes: number[];
}

function lab(world: W): Lab {
  const found = world.saved.get('registry') as Lab | undefined;
  if (found === undefined) throw new Error('no registry: the scenario needs "Given a registry ..."');
  return found;
}

/** A memory store that records every exclusive lock attempt (MF-REG-3, MF-REG-5). */
class RecordingStore extends MemoryRegistryStore {
  constructor(private readonly world: W) {
    super({ clock: world.clock });
  }

  override async createLock(content: string): Promise<boolean> {
    const created = await super.createLock(content);
    (this.world.saved.get('registry') as Lab).lockAttempts.push({ atMs: this.world.clock.nowMs(), content, created });
    return created;
  }
}

function memoryLab(world: W, lockTimeoutMs?: number): 'skipped' | undefined {
  if (world.virtual === undefined) return world.skip('needs the virtual clock of the simulator (transport memory)');
  const store = new RecordingStore(world);
  const table = new SimulatedProcessTable(5000);
  const pid = table.spawn();
  const make = (owner: number): ServiceRegistry =>
    new ServiceRegistry({
      store,
      clock: world.clock,
      processProbe: table,
      pid: owner,
      ...(lockTimeoutMs === undefined ? {} : { lockTimeoutMs }),
    });
  world.saved.set('registry', {
    registry: make(pid),
    as: make,
    memory: store,
    table,
    pid,
    lockAttempts: [],
    inodes: [],
  } satisfies Lab);
  return undefined;
}

Given('a registry in memory on the virtual clock', function (this: W) {
  return memoryLab(this);
});

Given(
  'a registry in memory on the virtual clock, with a lock timeout of {int} ms',
  function (this: W, timeoutMs: number) {
    return memoryLab(this, timeoutMs);
  },
);

Given('a registry in a fresh MULTIFROST_HOME directory', async function (this: W) {
  const dir = await mkdtemp(join(tmpdir(), 'mf-registry-'));
  this.defer(() => rm(dir, { recursive: true, force: true }));
  const home = join(dir, 'home');
  const make = (pid: number): ServiceRegistry => new ServiceRegistry({ env: { MULTIFROST_HOME: home }, pid });
  this.saved.set('registry', {
    registry: make(process.pid),
    as: make,
    dir: home,
    pid: process.pid,
    lockAttempts: [],
    inodes: [],
  } satisfies Lab);
});

async function recordInode(world: W): Promise<void> {
  const { dir } = lab(world);
  if (dir !== undefined) lab(world).inodes.push((await stat(join(dir, 'services.json'))).ino);
}

When('this process registers {string} on port {int}', async function (this: W, serviceId: string, port: number) {
  const started = this.clock.nowMs();
  const outcome = await settle(lab(this).registry.register(serviceId, port));
  this.saved.set('registeredAfterMs', this.clock.nowMs() - started);
  conform(
    outcome.ok,
    this.clause,
    `registration of ${serviceId} succeeds`,
    outcome.ok ? '' : describeError(outcome.error),
  );
  await recordInode(this);
});

When(
  'this process tries to register {string} on port {int}',
  async function (this: W, serviceId: string, port: number) {
    const started = this.clock.nowMs();
    this.saved.set('attempt', await settle(lab(this).registry.register(serviceId, port)));
    this.saved.set('attemptMs', this.clock.nowMs() - started);
  },
);

When('this process unregisters {string}', async function (this: W, serviceId: string) {
  await lab(this).registry.unregister(serviceId);
});

Then(
  "services.json in that directory lists {string} on port {int} with this process's pid",
  async function (this: W, serviceId: string, port: number) {
    const text = await readFile(join(lab(this).dir!, 'services.json'), 'utf8');
    const entry = (JSON.parse(text) as Record<string, { port?: unknown; pid?: unknown }>)[serviceId];
    conformEqual(
      { port: entry?.port, pid: entry?.pid },
      { port, pid: process.pid },
      'MF-REG-1',
      `the entry in ${lab(this).dir}/services.json`,
    );
  },
);

Then('without MULTIFROST_HOME the base directory is ~\\/.multifrost', function (this: W) {
  conformEqual(defaultRegistryBaseDir({}), join(homedir(), '.multifrost'), 'MF-REG-1', 'the default base directory');
});

Then(
  'the entry of {string} has exactly the keys port, pid and started, with started in ISO 8601 UTC',
  async function (this: W, serviceId: string) {
    const text = await readFile(join(lab(this).dir!, 'services.json'), 'utf8');
    const entry = (JSON.parse(text) as Record<string, Record<string, unknown>>)[serviceId]!;
    conformEqual(Object.keys(entry).sort(), ['pid', 'port', 'started'], 'MF-REG-2', 'the keys of the entry');
    const started = entry['started'];
    conform(
      typeof started === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(started),
      'MF-REG-2',
      'started in ISO 8601 UTC (…Z)',
      show(started),
    );
  },
);

When(
  'another program wrote the entry {string} with start_time and an extra key for a live process on port {int}',
  async function (this: W, serviceId: string, port: number) {
    const path = join(lab(this).dir!, 'services.json');
    const document = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    document[serviceId] = { port, pid: process.pid, start_time: '2026-01-01T00:00:00Z', language: 'go' };
    await writeFile(path, JSON.stringify(document), { mode: 0o600 });
  },
);

Then('discovering {string} gives port {int}', async function (this: W, serviceId: string, port: number) {
  const outcome = await settle(lab(this).registry.discover(serviceId, { timeoutMs: 1000 }));
  conform(
    outcome.ok,
    this.clause,
    `${serviceId} is discovered on port ${port}`,
    outcome.ok ? '' : describeError(outcome.error),
  );
  conformEqual(outcome.value.port, port, this.clause, `the port of ${serviceId}`);
});

Then('the directory has mode 0700 and services.json has mode 0600', async function (this: W) {
  const { dir } = lab(this);
  const dirMode = (await stat(dir!)).mode & 0o777;
  const fileMode = (await stat(join(dir!, 'services.json'))).mode & 0o777;
  conformEqual(dirMode.toString(8), '700', 'MF-REG-11', 'mode of the registry directory');
  conformEqual(fileMode.toString(8), '600', 'MF-REG-11', 'mode of services.json');
});

Then('each write replaced services.json by a new file and left no temporary file behind', async function (this: W) {
  const { dir, inodes } = lab(this);
  conform(
    inodes.length >= 2 && new Set(inodes).size === inodes.length,
    'MF-REG-6',
    'a new inode after every write (temporary file renamed over the old one)',
    show(inodes),
  );
  const names = await readdir(dir!);
  conform(
    names.every((name) => name === 'services.json'),
    'MF-REG-6',
    'only services.json in the directory (lock released, no temp file)',
    show(names),
  );
});

Given('services.json holds the text {}', async function (this: W, text: string) {
  const { dir } = lab(this);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir!, { recursive: true, mode: 0o700 });
  await writeFile(join(dir!, 'services.json'), text, { mode: 0o600 });
});

Then(
  'it fails with code {string} naming services.json and the file it was moved to',
  async function (this: W, code: string) {
    const outcome = this.saved.get('attempt') as Awaited<ReturnType<typeof settle>>;
    const error = outcome.ok ? undefined : outcome.error;
    conform(
      error instanceof MultifrostError && error.code === code,
      'MF-REG-7',
      `fails with ${code}`,
      outcome.ok ? 'succeeded' : describeError(error),
    );
    const moved = (error as { details?: { movedToPath?: string } }).details?.movedToPath;
    conform(
      typeof moved === 'string' &&
        error.message.includes(moved) &&
        error.message.includes(join(lab(this).dir!, 'services.json')),
      'MF-REG-7',
      'an error naming services.json and the moved-aside path',
      error.message,
    );
    this.saved.set('movedTo', moved);
  },
);

Then('the moved file holds the text {}', async function (this: W, text: string) {
  conformEqual(
    await readFile(this.saved.get('movedTo') as string, 'utf8'),
    text,
    'MF-REG-7',
    'the content of the moved-aside file',
  );
});

Then(
  "the lock was created exclusively with this process's pid on its first line, and removed afterwards",
  function (this: W) {
    const { lockAttempts, pid, memory } = lab(this);
    const mine = lockAttempts.find((attempt) => attempt.created);
    conform(mine !== undefined, 'MF-REG-3', 'an exclusive lock creation', show(lockAttempts));
    conformEqual(mine.content.split('\n')[0], String(pid), 'MF-REG-3', 'the first line of the lock');
    conform(
      memory!.currentLock === undefined,
      'MF-REG-3',
      'the lock removed after the change',
      show(memory!.currentLock),
    );
  },
);

Given('the lock is held by a {word} process, taken {int} ms ago', function (this: W, state: string, ageMs: number) {
  const { table, memory } = lab(this);
  const holder = table!.spawn();
  if (state === 'dead') table!.kill(holder);
  memory!.setLock(`${holder}\nforeign-token\n`, this.clock.epochMs() - ageMs);
});

Then('the registration succeeded after {int} ms of virtual time', function (this: W, ms: number) {
  const took = this.saved.get('registeredAfterMs') as number;
  // Polling every 100 ms: the lock is taken at the first poll at or after it became stale.
  conform(
    took >= ms && took < ms + 100,
    'MF-REG-4',
    `registered ${ms} ms later (within one 100 ms poll)`,
    `${took} ms`,
  );
});

Then(
  'it fails with code {string} naming services.lock after {int} ms of virtual time',
  function (this: W, code: string, ms: number) {
    const outcome = this.saved.get('attempt') as Awaited<ReturnType<typeof settle>>;
    const error = outcome.ok ? undefined : outcome.error;
    conform(
      error instanceof MultifrostError && error.code === code && error.message.includes('services.lock'),
      'MF-REG-5',
      `fails with ${code} naming services.lock`,
      outcome.ok ? 'succeeded' : describeError(error),
    );
    const took = this.saved.get('attemptMs') as number;
    conform(took >= ms && took <= ms + 100, 'MF-REG-5', `gives up after ${ms} ms`, `${took} ms`);
  },
);

Then('the lock was tried every {int} ms', function (this: W, pollMs: number) {
  const times = lab(this).lockAttempts.map((attempt) => attempt.atMs);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  conform(
    gaps.length > 0 && gaps.every((gap) => gap === pollMs),
    'MF-REG-5',
    `attempts ${pollMs} ms apart`,
    show(gaps),
  );
});

Given('a live process registered {string} on port {int}', async function (this: W, serviceId: string, port: number) {
  const current = lab(this);
  const other = current.table!.spawn();
  current.other = other;
  await current.as(other).register(serviceId, port);
});

Then('it fails with code {string}', function (this: W, code: string) {
  const outcome = this.saved.get('attempt') as Awaited<ReturnType<typeof settle>>;
  conform(
    !outcome.ok && outcome.error instanceof MultifrostError && outcome.error.code === code,
    this.clause,
    `fails with ${code}`,
    outcome.ok ? 'succeeded' : describeError(outcome.error),
  );
});

When('that process dies', function (this: W) {
  const current = lab(this);
  current.table!.kill(current.other!);
});

When(
  'this process starts discovering {string} with a timeout of {int} ms',
  function (this: W, serviceId: string, timeoutMs: number) {
    const started = this.clock.nowMs();
    this.saved.set(
      'discovery',
      settle(lab(this).registry.discover(serviceId, { timeoutMs })).then((outcome) => ({
        outcome,
        afterMs: this.clock.nowMs() - started,
      })),
    );
  },
);

When(
  'a live process registers {string} on port {int} after {int} ms',
  async function (this: W, serviceId: string, port: number, delayMs: number) {
    await this.clock.sleep(delayMs);
    const current = lab(this);
    current.other = current.table!.spawn();
    await current.as(current.other).register(serviceId, port);
  },
);

Then(
  'the discovery gives port {int} after {int} ms of virtual time',
  async function (this: W, port: number, ms: number) {
    const result = await within(
      this.clock,
      60_000,
      this.saved.get('discovery') as Promise<{ outcome: Awaited<ReturnType<typeof settle>>; afterMs: number }>,
    );
    conform(
      result !== undefined && result.outcome.ok,
      'MF-REG-10',
      `discovered on port ${port}`,
      result === undefined ? 'pending' : describeError((result.outcome as { error?: unknown }).error),
    );
    conformEqual((result.outcome.value as { port: number }).port, port, 'MF-REG-10', 'the discovered port');
    conformEqual(result.afterMs, ms, 'MF-REG-10', 'virtual ms until discovery (polls every 100 ms)');
  },
);

Then(
  'discovering {string} fails with code {string} after exactly {int} ms',
  async function (this: W, serviceId: string, code: string, ms: number) {
    const started = this.clock.nowMs();
    const outcome = await settle(lab(this).registry.discover(serviceId, { timeoutMs: ms }));
    const took = this.clock.nowMs() - started;
    conform(
      !outcome.ok && outcome.error instanceof MultifrostError && outcome.error.code === code,
      this.clause,
      `fails with ${code}`,
      outcome.ok ? `found ${show(outcome.value)}` : describeError(outcome.error),
    );
    conformEqual(took, ms, this.clause, 'virtual ms until discovery gave up');
  },
);

Then(
  'discovering {string} fails with code {string} at once',
  async function (this: W, serviceId: string, code: string) {
    const started = this.clock.nowMs();
    const outcome = await settle(lab(this).registry.discover(serviceId, { timeoutMs: 5000 }));
    conform(
      !outcome.ok && outcome.error instanceof MultifrostError && outcome.error.code === code,
      this.clause,
      `fails with ${code}`,
      outcome.ok ? `found ${show(outcome.value)}` : describeError(outcome.error),
    );
    conformEqual(this.clock.nowMs() - started, 0, this.clause, 'virtual ms until the refusal');
  },
);

Given(
  'the registry file holds an entry {string} whose port is the string {string}',
  function (this: W, serviceId: string, port: string) {
    const current = lab(this);
    const pid = current.table!.spawn();
    const raw = `{"${serviceId}": {"port": "${port}", "pid": ${pid}, "started": "2026-01-01T00:00:00Z"}}`;
    current.memory!.setRegistryText(raw);
    this.saved.set('oddEntry', { serviceId, text: JSON.stringify(JSON.parse(raw)[serviceId]) });
  },
);

Then('the entry {string} is still in the file, unchanged', function (this: W, serviceId: string) {
  const text = lab(this).memory!.registryText ?? '';
  const expected = (this.saved.get('oddEntry') as { text: string }).text;
  const entry = (JSON.parse(text) as Record<string, unknown>)[serviceId];
  conformEqual(JSON.stringify(entry), expected, 'MF-REG-12', `the ${serviceId} entry after another service registered`);
});

Given('the registry file now belongs to another user', function (this: W) {
  const store = lab(this).memory!;
  store.setRegistryText(store.registryText ?? '{}', (process.getuid?.() ?? 1000) + 1);
});

export type { RegistryStore };
