#!/usr/bin/env node
// Installs and builds the Python, Go and Rust reference peers (fixtures/<lang>), once.
//
// Idempotent and cached: each peer's build is keyed by a SHA-256 of its sources (a stamp file beside
// its output), so a second run does no work and takes well under 2 s. `npm test` runs this as its
// first stage. Usage: node harness/peers/setup.mjs [--force] [python|go|rust ...]
//
// What it needs: python3 (with venv), go, cargo, a C/C++ compiler (the Rust `zmq` crate builds
// libzmq from source), and libzmq3-dev + pkg-config for Go's cgo binding pebbe/zmq4. libzmq3-dev is
// installed with apt-get when it is missing and we are root (CI is a fresh Debian machine).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = join(root, 'fixtures');
const args = process.argv.slice(2);
const force = args.includes('--force');
const only = args.filter((a) => !a.startsWith('--'));
const started = Date.now();

function say(text) {
  console.log(`[peers] ${text}`);
}

function fail(text) {
  console.error(`[peers] ERROR: ${text}`);
  process.exit(1);
}

/** Runs a command with inherited output; exits with a clear message when it fails. */
function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', ...options });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    fail(`${command} ${commandArgs.join(' ')} failed (${why})`);
  }
}

function has(command, versionArgs = ['--version']) {
  const result = spawnSync(command, versionArgs, { stdio: 'ignore' });
  return !result.error && result.status === 0;
}

/** Every file under `dir` (skipping build outputs) whose name passes `keep`, sorted. */
function sources(dir, keep) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    if (['.venv', 'target', 'bin', '__pycache__', 'node_modules'].includes(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...sources(path, keep));
    else if (keep(name)) found.push(path);
  }
  return found;
}

/** SHA-256 over relative paths and contents, plus extra strings (tool versions). */
function hashOf(files, extra = []) {
  const hash = createHash('sha256');
  for (const file of files) hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  for (const item of extra) hash.update(item).update('\0');
  return hash.digest('hex');
}

function toolVersion(command, versionArgs) {
  const result = spawnSync(command, versionArgs, { encoding: 'utf8' });
  return (result.stdout || '').trim();
}

/** Runs `build` unless `stamp` holds `hash` and every output exists; then writes the stamp. */
function cached(name, stamp, hash, outputs, build) {
  const fresh =
    !force && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash && outputs.every((o) => existsSync(o));
  if (fresh) {
    say(`${name}: up to date (sources unchanged)`);
    return;
  }
  const t0 = Date.now();
  build();
  writeFileSync(stamp, hash);
  say(`${name}: built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function ensureLibzmq() {
  if (spawnSync('pkg-config', ['--exists', 'libzmq']).status === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !has('apt-get', ['--version'])) {
    fail(
      'libzmq development files are missing (needed by the Go and Rust peers). Install them: apt-get install -y libzmq3-dev pkg-config',
    );
  }
  say('libzmq3-dev missing: installing with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'libzmq3-dev', 'pkg-config'], {
      stdio: 'inherit',
      env,
    });
  if (install().status !== 0) {
    say('apt-get install failed: running apt-get update once, then retrying');
    run('apt-get', ['update'], { env });
    if (install().status !== 0) fail('apt-get install -y libzmq3-dev pkg-config failed');
  }
}

function setupPython() {
  const dir = join(fixtures, 'python');
  const venv = join(dir, '.venv');
  const python = join(venv, 'bin', 'python');
  const requirements = join(dir, 'requirements.txt');
  const hash = hashOf([requirements], [toolVersion('python3', ['--version'])]);
  cached('python (venv + pip)', join(venv, '.mf-stamp'), hash, [python], () => {
    if (!existsSync(python)) run('python3', ['-m', 'venv', venv]);
    run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements]);
  });
}

function setupGo() {
  ensureLibzmq();
  const dir = join(fixtures, 'go');
  const bin = join(dir, 'bin');
  const files = sources(dir, (n) => n.endsWith('.go') || n === 'go.mod' || n === 'go.sum');
  const hash = hashOf(files, [toolVersion('go', ['version'])]);
  mkdirSync(bin, { recursive: true });
  cached('go (go build)', join(bin, '.mf-stamp'), hash, [join(bin, 'mf-child'), join(bin, 'mf-parent')], () => {
    run('go', ['build', '-o', bin + '/', './cmd/...'], { cwd: dir });
    // Compile the tests now so the test stage only runs them.
    run('go', ['test', '-count=1', '-run', '^$', './...'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  });
}

function setupRust() {
  ensureLibzmq(); // the patched zmq-sys links the system libzmq (CURVE needs its libsodium build)
  const dir = join(fixtures, 'rust');
  const release = join(dir, 'target', 'release');
  const files = sources(dir, (n) => n.endsWith('.rs') || n === 'Cargo.toml' || n === 'Cargo.lock');
  const hash = hashOf(files, [toolVersion('cargo', ['--version'])]);
  mkdirSync(join(dir, 'target'), { recursive: true });
  cached(
    'rust (cargo build --release)',
    join(dir, 'target', '.mf-stamp'),
    hash,
    [join(release, 'mf-child'), join(release, 'mf-parent')],
    () => {
      // The binaries and the tests (so the test stage only runs them).
      run('cargo', ['build', '--release', '--bins', '--tests', '--locked', '--quiet'], { cwd: dir });
    },
  );
}

const steps = { python: setupPython, go: setupGo, rust: setupRust };
const wanted = only.length > 0 ? only : Object.keys(steps);
for (const name of wanted)
  if (!(name in steps)) fail(`unknown peer "${name}" (known: ${Object.keys(steps).join(', ')})`);

const toolchains = { python: ['python3', ['--version']], go: ['go', ['version']], rust: ['cargo', ['--version']] };
const missing = wanted
  .filter((name) => !has(...toolchains[name]))
  .map((name) => `${toolchains[name][0]} (for the ${name} peer)`);
if (missing.length > 0) fail(`missing toolchain: ${missing.join(', ')}. Install it and run again.`);

for (const name of wanted) steps[name]();
say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${wanted.join(', ')})`);
