/** The first example of docs/simulator.md runs as written (with the package import pointed at src/sim.ts). */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('the docs/simulator.md quick-start example runs as written', async (t) => {
  const doc = readFileSync(join(root, 'docs/simulator.md'), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(example !== undefined, 'no ts example found');
  const source =
    example.replace("'multifrost-conform/sim'", JSON.stringify(pathToFileURL(join(root, 'src/sim.ts')).href)) +
    '\nexport const result = { endpoint, network };\n';
  const dir = mkdtempSync(join(tmpdir(), 'mf-sim-doc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'example.mts'); // .mts: the temp directory has no package.json saying ESM
  writeFileSync(file, source);
  const { result } = (await import(pathToFileURL(file).href)) as {
    result: { endpoint: string; network: { traceLines: readonly string[] } };
  };
  assert.equal(result.endpoint, 'tcp://127.0.0.1:40000');
  assert.match(result.network.traceLines[0]!, /"ev":"plan","seed":42/);
});
