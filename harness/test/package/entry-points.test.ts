// The package's public entry points (package.json "exports") resolve from outside as a user imports them,
// export what the docs promise, and the worker entry point stays lean.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  exports: Record<string, unknown>;
};

/** Runs an ES module snippet with Node from the package root (self-reference resolves the package's own name). */
function run(script: string, nodeArgs: string[] = []): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** run(), with a resolve hook reporting every file of the package's dist/ that the script loads. */
function runListingFiles(script: string): ReturnType<typeof run> & { files: string[] } {
  const hook =
    'export async function resolve(s, c, n) { const r = await n(s, c); if (r.url.includes("/dist/")) process.stderr.write("LOADED " + r.url + "\\n"); return r; }';
  const register = `data:text/javascript,import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${hook}`)});`;
  const result = run(script, ['--import', register]);
  const loaded = result.stderr.split('\n').filter((line) => line.startsWith('LOADED '));
  return { ...result, files: [...new Set(loaded.map((line) => fileURLToPath(line.slice('LOADED '.length))))] };
}

test('every subpath of "exports" resolves to compiled JS with its types next to it', () => {
  assert.ok(existsSync(`${root}dist/src/index.js`), 'run `npm run build` first (npm test does)');
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (typeof target === 'string') continue; // ./package.json
    const { types, default: main } = target as { types: string; default: string };
    assert.ok(existsSync(`${root}${main}`), `${subpath}: ${main} missing`);
    assert.ok(existsSync(`${root}${types}`), `${subpath}: ${types} missing`);
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
    const result = run(`const m = await import(${JSON.stringify(specifier)}); console.log(Object.keys(m).length);`);
    assert.equal(result.status, 0, `${specifier}: ${result.stderr}`);
    assert.ok(Number(result.stdout.trim()) > 0, `${specifier} exports nothing`);
  }
});

test('the worker entry point exports ChildWorker (the same class as the main entry) and loads no parent, launcher or registry code', () => {
  const names = run(`
    const child = await import('multifrost-conform/child');
    const main = await import('multifrost-conform');
    console.log(JSON.stringify({ same: child.ChildWorker === main.ChildWorker, port: child.ENV_PORT, error: typeof child.MultifrostError }));`);
  assert.equal(names.status, 0, names.stderr);
  assert.deepEqual(JSON.parse(names.stdout.trim()), { same: true, port: 'COMLINK_ZMQ_PORT', error: 'function' });
  const loaded = runListingFiles(`await import('multifrost-conform/child');`);
  assert.equal(loaded.status, 0, loaded.stderr);
  const files = loaded.files;
  assert.ok(files.length > 0 && files.every((file) => file.includes('/dist/lib/')), `loaded: ${files.join(', ')}`);
  const code = files.map((file) => readFileSync(file, 'utf8')).join('\n');
  // esbuild writes `class X {` as `var X = class {`.
  const defines = (name: string) => new RegExp(`class ${name}\\b|\\b${name} = class\\b`);
  assert.match(code, defines('ChildWorker'));
  for (const heavy of ['ParentWorker', 'NodeProcessLauncher', 'ServiceRegistry', 'ZmqTransport']) {
    assert.doesNotMatch(code, defines(heavy), `multifrost-conform/child loaded ${heavy}`);
  }
});

test('the bundled entry points load few files: one per entry point plus shared chunks', () => {
  const loaded = runListingFiles(`await import('multifrost-conform/child'); await import('multifrost-conform');`);
  assert.equal(loaded.status, 0, loaded.stderr);
  // The compiled modules are about 40 for the child alone; the bundle is the reason start-up is fast.
  assert.ok(loaded.files.length <= 12, `${loaded.files.length} files loaded: ${loaded.files.join(', ')}`);
});

// The kit ("./conform") and the CLI run the compiled modules (dist/src); a process that imports it beside a
// bundled entry point holds two copies of the library. What must hold across them: error classes match
// errors of either copy, and msgpack extension values decode alike whichever copy registered last.
test('a process holding the bundled and the compiled library: errors and extension decoding work across both', () => {
  const result = run(`
    const lib = await import('multifrost-conform');
    const proto = await import('multifrost-conform/protocol');
    const src = await import('./dist/src/index.js');
    const srcCodec = await import('./dist/src/protocol/codec.js');
    const out = {};
    out.distinctCopies = lib.TimeoutError !== src.TimeoutError;
    out.libErrorIsSrc = new lib.TimeoutError('call add', 5) instanceof src.TimeoutError;
    out.srcErrorIsLibBase = new src.WorkerStoppedError('add') instanceof lib.MultifrostError;
    out.srcErrorIsLibOther = new src.WorkerStoppedError('add') instanceof lib.TimeoutError;
    out.plainErrorIsLib = new Error('x') instanceof lib.MultifrostError;
    // fixext1 of type 5 inside a one-element array, decoded by each copy after both registered extensions.
    const ext = Buffer.from([0x91, 0xd4, 0x05, 0x2a]);
    const codecs = [new proto.Codec(), new srcCodec.Codec()];
    out.unportable = codecs.map((codec) => codec.decodeUnportable(ext).unportable);
    out.foreign = codecs.map((codec) => codec.decodeUnportable(ext).value[0] instanceof srcCodec.ForeignExtension);
    out.refused = codecs.map((codec) => { try { codec.decodeValue(ext); return 'decoded'; } catch (e) { return e instanceof lib.DecodeError ? e.reason : String(e); } });
    // Integers beyond 2^53 are packed through each copy's own WideInteger extension class.
    const call = { app: 'comlink_ipc_v3', id: '1', type: 'call', timestamp: 1, function: 'f', args: [2n ** 60n, -(2n ** 62n)] };
    out.wide = codecs.map((codec) => codec.encode(call).toString('hex'));
    console.log(JSON.stringify(out));`);
  assert.equal(result.status, 0, result.stderr);
  const out = JSON.parse(result.stdout.trim()) as Record<string, unknown> & {
    unportable: string[];
    wide: string[];
  };
  assert.deepEqual(
    { ...out, unportable: undefined, wide: undefined },
    {
      distinctCopies: true,
      libErrorIsSrc: true,
      srcErrorIsLibBase: true,
      srcErrorIsLibOther: false,
      plainErrorIsLib: false,
      unportable: undefined,
      foreign: [true, true],
      refused: ['not-msgpack', 'not-msgpack'],
      wide: undefined,
    },
  );
  for (const said of out.unportable) assert.match(said, /^\$\[0\]: .*extension type 5/);
  assert.equal(out.wide[0], out.wide[1]);
  assert.match(out.wide[0]!, /cf1000000000000000d3c000000000000000/);
});

// npx runs the bin through its shebang: without the execute bit the shell answers "Permission denied"
// whenever npx reuses a cached link instead of linking (and chmod-ing) afresh.
test('every "bin" target is executable after the build and runs through its shebang', () => {
  for (const [name, target] of Object.entries(manifest.bin)) {
    const mode = statSync(`${root}${target}`).mode;
    assert.ok((mode & 0o111) !== 0, `${name}: ${target} has mode ${(mode & 0o777).toString(8)}, not executable`);
    const help = spawnSync(`${root}${target}`, ['--help'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(help.status, 0, `${name} --help: ${help.error?.message ?? help.stderr}`);
    assert.match(help.stdout, /Usage:/);
  }
});
