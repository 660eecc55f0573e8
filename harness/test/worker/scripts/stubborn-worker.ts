// A worker that ignores SHUTDOWN and SIGTERM, to check that stop() escalates to SIGKILL.
import { ChildWorker } from '../../../../src/worker/child/child-worker.js';

class StubbornWorker extends ChildWorker {
  ping(): string {
    return 'pong';
  }
}

process.on('SIGTERM', () => undefined);
const worker = new StubbornWorker({ forwardOutput: false });
await worker.start();
// Serve, but never stop: the receive loop is kept alive by an interval, SHUTDOWN only closes the socket.
setInterval(() => undefined, 1_000_000);
