// A real process for the registry crash tests (crash.test.ts). Usage:
//   node --import tsx registry-process.ts hold-lock <baseDir>          acquire the lock and keep it
//   node --import tsx registry-process.ts serve <baseDir> <id> <port>  register <id> and keep running
// Prints {"type":"locked"} or {"type":"registered"} once done, then waits until killed or stdin closes.
import { RegistryLock, resolveRegistryOptions, ServiceRegistry } from '../../../src/registry/index.js';

const [mode, baseDir, serviceId, portText] = process.argv.slice(2);
if (baseDir === undefined) throw new Error('usage: registry-process.ts hold-lock|serve <baseDir> [id port]');
if (mode === 'hold-lock') {
  await new RegistryLock(resolveRegistryOptions({ baseDir })).acquire();
  process.stdout.write(`${JSON.stringify({ type: 'locked', pid: process.pid })}\n`);
} else if (mode === 'serve' && serviceId !== undefined && portText !== undefined) {
  await new ServiceRegistry({ baseDir }).register(serviceId, Number(portText));
  process.stdout.write(`${JSON.stringify({ type: 'registered', pid: process.pid })}\n`);
} else {
  throw new Error(`unknown mode ${mode}`);
}
// Stay alive while the parent holds our stdin open; a parent that dies closes it and we exit too.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
