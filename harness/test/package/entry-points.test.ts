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
  // A resolve hook prints every module of the package that the import loads.
  const hook =
    'export async function resolve(s, c, n) { const r = await n(s, c); if (r.url.includes("/dist/src/")) process.stderr.write("LOADED " + r.url + "\\n"); return r; }';
  const register = `data:text/javascript,import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${hook}`)});`;
  const loaded = run(`await import('multifrost-conform/child');`, ['--import', register]);
  assert.equal(loaded.status, 0, loaded.stderr);
  const modules = [
    ...new Set(
      loaded.stderr
        .split('\n')
        .filter((line) => line.startsWith('LOADED '))
        .map((line) => line.replace(/^.*\/dist\/src\//, '')),
    ),
  ];
  assert.ok(modules.includes('worker/child/child-worker.js'), `the hook saw: ${modules.join(', ')}`);
  for (const heavy of [
    'worker/parent/parent-worker.js',
    'worker/parent/node-launcher.js',
    'registry/index.js',
    'transport/zmq/index.js',
  ]) {
    assert.ok(!modules.includes(heavy), `multifrost-conform/child loaded ${heavy}`);
  }
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
