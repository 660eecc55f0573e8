// A worker whose methods print with console.* and process.stdout.write, to check forwarding of real streams.
import { ChildWorker } from '../../../../src/worker/child/child-worker.js';

class ConsoleWorker extends ChildWorker {
  shout(text: string): string {
    console.log(`log: ${text}`);
    console.error(`error: ${text}`);
    process.stdout.write(`raw: ${text}\n`);
    return text;
  }
}

await new ConsoleWorker().run();
