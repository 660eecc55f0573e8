// One contender of the stale-lock storm (stale-lock-stress.test.ts). Usage:
//   node --import tsx storm-worker.ts
// Reads JSON lines on stdin and answers JSON lines on stdout, staying alive (so its entries stay live):
//   {"cmd":"prepare","baseDir":D,"id":I,"port":P}  -> {"type":"prepared"}  builds a ServiceRegistry on D
//   {"cmd":"go"}                                     -> {"type":"result","ok":true|false,"code":C,"pid":N}
// Every worker of a round gets "go" in the same tick of the test, so they meet on the stale lock together.
// The lock is polled every 10 ms (default 100 ms) so rounds of 16 stay short; the breaking race is the same.
import { createInterface } from 'node:readline';
import { MultifrostError } from '../../../src/errors.js';
import { ServiceRegistry } from '../../../src/registry/index.js';

let prepared: { registry: ServiceRegistry; id: string; port: number } | undefined;
const say = (message: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ ...message, pid: process.pid })}\n`);
};

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { cmd: string; baseDir?: string; id?: string; port?: number };
  if (command.cmd === 'prepare') {
    prepared = {
      registry: new ServiceRegistry({ baseDir: command.baseDir!, lockPollMs: 10 }),
      id: command.id!,
      port: command.port!,
    };
    say({ type: 'prepared' });
  } else if (command.cmd === 'go' && prepared !== undefined) {
    const { registry, id, port } = prepared;
    registry.register(id, port).then(
      () => say({ type: 'result', ok: true }),
      (error: unknown) =>
        say({ type: 'result', ok: false, code: error instanceof MultifrostError ? error.code : String(error) }),
    );
  }
}
process.exit(0);
