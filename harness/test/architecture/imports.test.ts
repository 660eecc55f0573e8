// The shape of the house, checked on every run: imports point one way, rooms stay apart, rooms stay small.
//
// Layers, from the top (each may import only its own layer and the layers below it, types included):
//   entry    src/index.ts, src/child.ts, src/sim.ts (the package's public doors: every top-level file but
//            errors.ts) and src/cli/ (the bin). They sit on top because they assemble the floors below;
//            src/sim.ts exports the kit's reference worker, so a door may reach conform.
//   conform  src/conform/
//   worker   src/worker/, src/registry/ (one floor: the worker's registry adapter uses the registry)
//   transport src/transport/
//   protocol src/protocol/
//   base     src/errors.ts, src/time/, src/logging/ (the Logger interface; it reads the clock only)
// Inside worker/, parent/ and child/ never import each other; what both need lives in worker/shared/.
// Specifiers are read with TypeScript's own pre-parser, so imports named in comments do not count and
// dynamic `import()` does.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const srcRoot = fileURLToPath(new URL('../../../src/', import.meta.url));

/** Layers from the top; a file may import from its own layer or any later one. */
const LAYERS: readonly (readonly string[])[] = [
  ['entry', 'cli'],
  ['conform'],
  ['worker', 'registry'],
  ['transport'],
  ['protocol'],
  ['errors', 'time', 'logging'],
];
/** Where the size limits and the no-circle rule hold: every folder of src/ (path prefixes). */
const LIMITED = [''];
const MAX_FILE_LINES = 400;
const MAX_CLASS_LINES = 300;

interface SourceFile {
  /** Path relative to src/, with forward slashes. */
  path: string;
  text: string;
}

function sourceFiles(): SourceFile[] {
  const found: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts'))
        found.push({ path: relative(srcRoot, full).split(sep).join('/'), text: readFileSync(full, 'utf8') });
    }
  };
  walk(srcRoot);
  return found;
}

/** The layer a file belongs to: its top folder, `errors` for src/errors.ts, `entry` for the other top-level files. */
function layerOf(path: string): string {
  const slash = path.indexOf('/');
  if (slash < 0) return path === 'errors.ts' ? 'errors' : 'entry';
  return path.slice(0, slash);
}

function floor(layer: string): number {
  return LAYERS.findIndex((names) => names.includes(layer));
}

/** Every import specifier of a file: static, re-exports, side-effect and dynamic imports, type-only ones too. */
function importSpecifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((file) => file.fileName);
}

/** The src-relative path a relative specifier names (`.js` written, `.ts` on disk), or undefined for a package. */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\.js$/, '.ts');
}

/** Why `from` may not import `to`, or undefined when it may. */
function violation(from: string, to: string): string | undefined {
  const fromLayer = layerOf(from);
  const toLayer = layerOf(to);
  if (to.startsWith('..')) return 'reaches outside src/';
  if (floor(fromLayer) < 0) return `${fromLayer}/ is in no layer: add it to LAYERS in this test`;
  if (floor(toLayer) < 0) return `${toLayer}/ is in no layer: add it to LAYERS in this test`;
  if (floor(toLayer) < floor(fromLayer)) return `upward import: ${fromLayer} may not import ${toLayer}`;
  const room = (path: string): string | undefined => /^worker\/(parent|child)\//.exec(path)?.[1];
  const fromRoom = room(from);
  const toRoom = room(to);
  if (fromRoom !== undefined && toRoom !== undefined && fromRoom !== toRoom)
    return `worker/${fromRoom} may not import worker/${toRoom} (share through worker/shared)`;
  if (from.startsWith('worker/shared/') && toRoom !== undefined) return `worker/shared may not import worker/${toRoom}`;
  return undefined;
}

function lineCount(text: string): number {
  return text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
}

/** Classes longer than the limit, as `Name (n lines)`. */
function longClasses(file: SourceFile): string[] {
  const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > MAX_CLASS_LINES) found.push(`${node.name?.text ?? '(anonymous class)'} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const files = sourceFiles();

test('the import check reads every kind of import and rejects what runs upward', () => {
  const text = [
    "import type { A } from './a.js';",
    "export { B } from '../b.js';",
    "import './side-effect.js';",
    'const lazy = (name: string) => import(`./${name}.js`);',
    "const c = await import('./c.js');",
    "// import { D } from './in-a-comment.js';",
  ].join('\n');
  assert.deepEqual(importSpecifiers(text), ['./a.js', '../b.js', './side-effect.js', './c.js']);
  assert.match(
    violation('transport/sim/pipe.ts', 'worker/parent/events.ts') ?? '',
    /upward import: transport may not import worker/,
  );
  assert.match(violation('errors.ts', 'protocol/codec.ts') ?? '', /upward import/);
  assert.match(
    violation('worker/parent/parent-worker.ts', 'worker/child/child-worker.ts') ?? '',
    /worker\/parent may not import worker\/child/,
  );
  assert.match(
    violation('worker/shared/environment.ts', 'worker/parent/events.ts') ?? '',
    /worker\/shared may not import worker\/parent/,
  );
  assert.match(violation('gizmo/x.ts', 'errors.ts') ?? '', /gizmo\/ is in no layer/);
  assert.equal(violation('cli/main.ts', 'conform/index.ts'), undefined);
  assert.equal(violation('worker/shared/registry-adapter.ts', 'registry/index.ts'), undefined);
  assert.equal(violation('index.ts', 'worker/parent/parent-worker.ts'), undefined);
  assert.equal(violation('sim.ts', 'conform/reference-worker.ts'), undefined);
});

test('every import in src/ points down the layers (cli -> conform -> worker/registry -> transport -> protocol -> errors/time)', () => {
  assert.ok(files.length > 50, `found only ${files.length} files under ${srcRoot}`);
  const wrong: string[] = [];
  for (const file of files) {
    for (const specifier of importSpecifiers(file.text)) {
      const target = resolveSpecifier(file.path, specifier);
      if (target === undefined) continue;
      const why = violation(file.path, target);
      if (why !== undefined) wrong.push(`src/${file.path} imports '${specifier}': ${why}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('only src/transport/zmq/ imports the zeromq package', () => {
  const wrong = files
    .filter((file) => !file.path.startsWith('transport/zmq/'))
    .filter((file) =>
      importSpecifiers(file.text).some((specifier) => specifier === 'zeromq' || specifier.startsWith('zeromq/')),
    )
    .map((file) => `src/${file.path}`);
  assert.deepEqual(wrong, []);
});

test(`no file in src/ is over ${MAX_FILE_LINES} lines, no class over ${MAX_CLASS_LINES}`, () => {
  const limited = files.filter((file) => LIMITED.some((prefix) => file.path.startsWith(prefix)));
  assert.ok(limited.length > 20);
  const tooLong = limited
    .filter((file) => lineCount(file.text) > MAX_FILE_LINES)
    .map((file) => `src/${file.path} (${lineCount(file.text)} lines)`);
  const tooBig = limited.flatMap((file) => longClasses(file).map((what) => `src/${file.path}: class ${what}`));
  assert.deepEqual([...tooLong, ...tooBig], []);
});

test('src/ holds no import circle, type-only ones included', () => {
  const inScope = new Map(
    files.filter((file) => LIMITED.some((prefix) => file.path.startsWith(prefix))).map((file) => [file.path, file]),
  );
  const edges = new Map<string, string[]>();
  for (const [path, file] of inScope) {
    const targets = importSpecifiers(file.text).map((specifier) => resolveSpecifier(path, specifier));
    edges.set(
      path,
      targets.filter((target): target is string => target !== undefined && inScope.has(target)),
    );
  }
  const circles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (path: string, trail: string[]): void => {
    state.set(path, 'open');
    trail.push(path);
    for (const next of edges.get(path) ?? []) {
      if (state.get(next) === 'open') circles.push([...trail.slice(trail.indexOf(next)), next].join(' -> '));
      else if (state.get(next) === undefined) visit(next, trail);
    }
    trail.pop();
    state.set(path, 'done');
  };
  for (const path of [...edges.keys()].sort()) if (state.get(path) === undefined) visit(path, []);
  assert.deepEqual(circles, []);
});

test('the layer table names every folder under src/', () => {
  const folders = readdirSync(srcRoot).filter((name) => statSync(join(srcRoot, name)).isDirectory());
  assert.deepEqual(
    folders.filter((folder) => floor(folder) < 0),
    [],
  );
});

test('the kit gets its transports from one factory (conform/kit-transport.ts), never from an inline ZmqTransport', () => {
  const inline = files
    .filter(
      (file) =>
        (file.path.startsWith('conform/') || file.path.startsWith('cli/')) && file.path !== 'conform/kit-transport.ts',
    )
    .filter((file) => /new ZmqTransport\(/.test(file.text))
    .map((file) => `src/${file.path}`);
  assert.deepEqual(inline, []);
});

test('errors are thrown as their subclasses: no bare new MultifrostError(...) outside src/errors.ts', () => {
  const bare = files
    .filter((file) => file.path !== 'errors.ts' && /new MultifrostError\(/.test(file.text))
    .map((file) => `src/${file.path}`);
  assert.deepEqual(bare, []);
});
