// A worker script as a user writes one: ChildWorker from the package's worker entry point
// (`multifrost-conform/child`, resolved through package.json "exports", so the bundled dist/lib), with the
// two functions the start-up cycle calls. The bench's start-up figure for the library is this child's.
import { ChildWorker } from 'multifrost-conform/child';

class BenchWorker extends ChildWorker {
  add(a, b) {
    return a + b;
  }

  echo(value) {
    return value;
  }
}

await new BenchWorker().run();
