// A registration that stops while it holds the lock (stale-lock-stress.test.ts, the SIGSTOP case). Usage:
//   node --import tsx stalled-holder.ts <baseDir> <id> <port> <lockStaleMs>
// Registers <id>; right after it has read services.json under the lock it prints {"type":"holding"} and
// waits 200 ms before going on, so the test can SIGSTOP it there (holding the lock, its read in hand).
// Prints {"type":"result","ok":...} when register() settles, then stays alive until stdin closes.
import { ErrorCode, MultifrostError } from '../../../src/errors.js';
import { FileRegistryStore, ServiceRegistry } from '../../../src/registry/index.js';
import { realClock } from '../../../src/time/real-clock.js';

const [baseDir, id, portText, staleText] = process.argv.slice(2);
if (baseDir === undefined || id === undefined || portText === undefined || staleText === undefined)
  throw new Error('usage: stalled-holder.ts <baseDir> <id> <port> <lockStaleMs>');
const inner = new FileRegistryStore({ baseDir });
let announced = false;
const store = Object.create(inner) as FileRegistryStore;
store.readRegistry = async () => {
  const snapshot = await inner.readRegistry();
  if (!announced) {
    announced = true;
    process.stdout.write(`${JSON.stringify({ type: 'holding', pid: process.pid })}\n`);
    await realClock.sleep(200);
  }
  return snapshot;
};
const registry = new ServiceRegistry({ baseDir, store, lockStaleMs: Number(staleText), lockTimeoutMs: 20_000 });
try {
  await registry.register(id, Number(portText));
  process.stdout.write(`${JSON.stringify({ type: 'result', ok: true })}\n`);
} catch (error) {
  const code = error instanceof MultifrostError ? error.code : String(error);
  process.stdout.write(`${JSON.stringify({ type: 'result', ok: false, code, lost: code === ErrorCode.REGISTRY })}\n`);
}
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
