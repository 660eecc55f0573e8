// One contender of the registry race test (race.test.ts). Usage:
//   node --import tsx race-worker.ts <baseDir> <index> <operations> <seed> [lockPollMs]
// Prints {"type":"ready"}, waits for "go" on stdin, runs <operations> random register/discover/unregister
// operations on a small shared pool of ids, checks each result, prints {"type":"done",...} and stays alive
// (so its entries stay live) until stdin closes.
import { createInterface } from 'node:readline';
import { ErrorCode, MultifrostError } from '../../../src/errors.js';
import { ServiceRegistry } from '../../../src/registry/index.js';
import { Prng } from '../../../src/time/prng.js';

const [baseDir, indexText, operationsText, seedText, pollText] = process.argv.slice(2);
if (baseDir === undefined || indexText === undefined || operationsText === undefined || seedText === undefined) {
  throw new Error('usage: race-worker.ts <baseDir> <index> <operations> <seed> [lockPollMs]');
}
const index = Number(indexText);
const registry = new ServiceRegistry({ baseDir, ...(pollText === undefined ? {} : { lockPollMs: Number(pollText) }) });
const prng = new Prng(Number(seedText));
const ids = Array.from({ length: 10 }, (_, i) => `svc-${i}`);
const myPort = 41_000 + index;
const held = new Map<string, number>();
const failures: string[] = [];
const counts = { registered: 0, refused: 0, discovered: 0, unregistered: 0, foreignUnregisterRefused: 0 };

function describe(error: unknown): string {
  return error instanceof MultifrostError ? `${error.code}: ${error.message}` : String(error);
}

async function step(): Promise<void> {
  const id = ids[prng.int(0, ids.length - 1)]!;
  if (held.has(id)) {
    if (prng.chance(0.5)) {
      const entry = await registry.discover(id, { timeoutMs: 0 });
      if (entry.pid !== process.pid || entry.port !== myPort)
        failures.push(`discover ${id} returned ${JSON.stringify(entry)}`);
      counts.discovered++;
    } else {
      if (!(await registry.unregister(id))) failures.push(`unregister of our own ${id} returned false`);
      held.delete(id);
      counts.unregistered++;
    }
    return;
  }
  if (prng.chance(2 / 3)) {
    try {
      await registry.register(id, myPort);
      held.set(id, myPort);
      counts.registered++;
    } catch (error) {
      if (error instanceof MultifrostError && error.code === ErrorCode.ALREADY_REGISTERED) counts.refused++;
      else throw error;
    }
  } else {
    if (await registry.unregister(id)) failures.push(`unregister of ${id}, not ours, returned true`);
    counts.foreignUnregisterRefused++;
  }
}

const input = createInterface({ input: process.stdin });
const lines = input[Symbol.asyncIterator]();
process.stdout.write(`${JSON.stringify({ type: 'ready' })}\n`);
await lines.next(); // "go"
for (let i = 0; i < Number(operationsText); i++) {
  try {
    await step();
  } catch (error) {
    failures.push(describe(error));
  }
}
process.stdout.write(
  `${JSON.stringify({ type: 'done', pid: process.pid, port: myPort, held: [...held.keys()], failures, counts })}\n`,
);
for (;;) {
  const next = await lines.next();
  if (next.done === true) break;
}
process.exit(0);
