// Bundles the library's entry points (".", "./child", "./protocol", "./sim") from the compiled modules in
// dist/src into dist/lib, one file per entry point plus shared chunks. Why: Node 20 loads each ES module on
// its own (resolve, read, compile, link), and a worker script importing `multifrost-conform/child` paid for
// about 40 of them at every start (docs/worker.md, "Start-up"). With code splitting every module still exists
// once in the process whichever entry points it imports, so classes and module state are not duplicated
// between "." and "./child". The kit ("./conform") and the CLI stay on dist/src: they load the compiled step
// files of the catalogue by path, which import dist/src; errors.ts and codec.ts keep `instanceof` and the
// msgpack extension state working when a process holds both copies.
// Input is tsc's output rather than src/, so the bundle runs exactly the JavaScript the tests run.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const ENTRY_POINTS = ['index', 'child', 'protocol/index', 'sim'];

rmSync(`${root}dist/lib`, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ENTRY_POINTS.map((entry) => `dist/src/${entry}.js`),
  outbase: 'dist/src',
  outdir: 'dist/lib',
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // zeromq, msgpackr and the rest stay in node_modules, loaded as the compiled modules load them.
  packages: 'external',
  // tsc's source maps (with the TypeScript inline) are read and chained: stack traces can point at src/.
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
});
const outputs = Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.js'));
console.log(`bundle: ${ENTRY_POINTS.length} entry points, ${outputs.length} files in dist/lib`);
