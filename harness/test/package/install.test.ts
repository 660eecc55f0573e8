// The package as a user gets it: `npm pack`, install the tarball in a scratch project (from the registry
// and npm's cache, like any install), then `npx multifrost-conform` against a TypeScript worker written in
// that project (tsx comes with the package: the user installs nothing else) and against --reference.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInGroup } from '../cli/cli-process.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** The environment of the scratch project: none of this repository's npm or catalogue settings leak in. */
function scratchEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (
      name.startsWith('npm_') ||
      name === 'NODE_V8_COVERAGE' ||
      name === 'NODE_OPTIONS' ||
      name.startsWith('MULTIFROST_')
    )
      continue;
    env[name] = value;
  }
  return { ...env, CI: '1', NO_COLOR: '1' };
}

/** Runs a command in `cwd` in its own process group; the group is killed when the test ends or at `timeoutMs`. */
function run(
  t: TestContext,
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runInGroup(t, command, args, { cwd, env: scratchEnv(), timeoutMs });
}

const WORKER_TS = `import { ChildWorker } from 'multifrost-conform/child';

// Type annotations and an interface: plain Node cannot run this file, tsx can.
interface Pair {
  a: number;
  b: number;
}

class TsWorker extends ChildWorker {
  echo<T>(value: T): T {
    return value;
  }

  add(a: number, b: number): number {
    const pair: Pair = { a, b };
    return pair.a + pair.b;
  }

  nothing(): void {}
}

await new TsWorker().run();
`;

test('installed from its tarball, npx multifrost-conform checks a .ts worker (tsx comes with the package) and the reference worker', async (t) => {
  assert.ok(existsSync(join(root, 'dist/src/cli/main.js')), 'run `npm run build` first (npm test does)');
  const dir = mkdtempSync(join(tmpdir(), 'mf-install-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const packDir = join(dir, 'pack');
  const project = join(dir, 'project');
  mkdirSync(packDir);
  mkdirSync(project);

  const pack = spawnSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], {
    cwd: root,
    encoding: 'utf8',
    env: scratchEnv(),
    timeout: 60_000,
  });
  assert.equal(pack.status, 0, pack.stderr);
  const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string }>;
  const tarball = join(packDir, packed!.filename);

  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'scratch-port', private: true, type: 'module' }, null, 2)}\n`,
  );
  writeFileSync(join(project, 'worker.ts'), WORKER_TS);
  const install = await run(
    t,
    npm,
    ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball],
    project,
    150_000,
  );
  assert.equal(install.code, 0, install.stdout + install.stderr);
  const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  assert.deepEqual(
    Object.keys(manifest.dependencies ?? {}),
    ['multifrost-conform'],
    'the user installed nothing but the kit',
  );
  assert.equal(manifest.devDependencies, undefined);

  const tags = '@MF-CALL-6 or @MF-CALL-1';
  // --no: never fetch a package of that name from the registry; the installed bin must answer.
  const worker = await run(
    t,
    npx,
    ['--no', '--', 'multifrost-conform', '--quiet', '--tags', tags, './worker.ts'],
    project,
    90_000,
  );
  assert.equal(worker.code, 0, worker.stdout + worker.stderr);
  const summary =
    /^multifrost-conform: PASS command \.\/worker\.ts \[v3\] \d+ scenarios: (\d+) passed, 0 failed, 0 timed out, (\d+) skipped/m.exec(
      worker.stdout,
    );
  assert.ok(summary !== null, worker.stdout + worker.stderr);
  assert.ok(Number(summary[1]) >= 3, `add, echo and nothing pass: ${worker.stdout}`);

  const reference = await run(
    t,
    npx,
    ['--no', '--', 'multifrost-conform', '--quiet', '--tags', tags, '--reference'],
    project,
    90_000,
  );
  assert.equal(reference.code, 0, reference.stdout + reference.stderr);
  assert.match(
    reference.stdout,
    /^multifrost-conform: PASS reference worker \(TypeScript\) \[v3\] \d+ scenarios: \d+ passed, 0 failed, 0 timed out, 0 skipped/m,
  );
});
