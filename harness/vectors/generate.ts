/**
 * Generates the golden vectors in fixtures/vectors/ (format: fixtures/vectors/README.md).
 *
 *   node --import tsx harness/vectors/generate.ts          writes the files
 *   node --import tsx harness/vectors/generate.ts --check  exits 1 when a committed file differs
 *
 * Deterministic: the same source gives the same bytes. The `hex` of every vector comes from the
 * independent reference encoder (reference-msgpack.ts), never from the codec under test.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { V3, V4 } from '../../src/protocol/profile.js';
import { messageCases, rejectCases, sanitizeCases, valueCases, type RejectCase, type VectorCase } from './cases.js';
import { referenceEncode } from './reference-msgpack.js';
import { unportableCases } from './unportable-cases.js';

/** Where the files live. */
export const VECTORS_DIR = fileURLToPath(new URL('../../fixtures/vectors/', import.meta.url));

const FORMAT = { format: 'multifrost-vectors', version: 1 } as const;

function vectorFile(file: string, description: string, cases: VectorCase[]): string {
  const vectors = cases.map((c) => ({
    name: c.name,
    description: c.description,
    clauses: c.clauses,
    ...(c.profile === undefined ? {} : { profile: c.profile }),
    hex: referenceEncode(c.value).toString('hex'),
    value: c.value,
    ...(c.input === undefined ? {} : { input: c.input }),
  }));
  return render({ ...FORMAT, file, description, vectors });
}

function unportableFile(): string {
  const description =
    'Values outside the portable set (map keys that are not strings, extension types): a receiver keeps each exactly and re-encodes the same bytes, or refuses it naming `path`; never a changed value.';
  const vectors = unportableCases().map((c) => ({
    name: c.name,
    description: c.description,
    clauses: c.clauses,
    path: c.path,
    hex: referenceEncode(c.value).toString('hex'),
    value: c.value,
  }));
  return render({ ...FORMAT, file: 'unportable', description, vectors });
}

function rejectFile(cases: RejectCase[]): string {
  const description = 'Byte strings that are not exactly one well-formed msgpack value; a strict decoder refuses each.';
  return render({ ...FORMAT, file: 'rejects', description, vectors: cases });
}

/**
 * The outer object indented, each vector field on its own line, each field value compact: values stay
 * readable on one line and a diff shows exactly which vector changed.
 */
function render(content: { vectors: object[] } & Record<string, unknown>): string {
  const lines = ['{'];
  for (const [key, value] of Object.entries(content)) {
    if (key !== 'vectors') lines.push(`  ${JSON.stringify(key)}: ${JSON.stringify(value)},`);
  }
  lines.push('  "vectors": [');
  content.vectors.forEach((vector, index) => {
    const fields = Object.entries(vector).map(
      ([key, value]) => `      ${JSON.stringify(key)}: ${JSON.stringify(value)}`,
    );
    lines.push('    {', fields.join(',\n'), index === content.vectors.length - 1 ? '    }' : '    },');
  });
  lines.push('  ]', '}', '');
  return lines.join('\n');
}

/** The content of every generated file, by file name. */
export function renderVectorFiles(): Record<string, string> {
  return {
    'values.json': vectorFile(
      'values',
      'Value edge cases: integer format boundaries, floats, strings, bin, arrays, maps, nil, booleans.',
      valueCases(),
    ),
    'messages-v3.json': vectorFile(
      'messages-v3',
      'Every message type in profile v3 (app comlink_ipc_v3).',
      messageCases(V3),
    ),
    'messages-v4.json': vectorFile(
      'messages-v4',
      'Every message type in profile v4 (app comlink_ipc_v4).',
      messageCases(V4),
    ),
    'sanitize.json': vectorFile(
      'sanitize',
      'JavaScript inputs that sanitisation changes: `input` is the JS value, `value` what goes on the wire.',
      sanitizeCases(),
    ),
    'unportable.json': unportableFile(),
    'rejects.json': rejectFile(rejectCases()),
  };
}

function main(): void {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [name, content] of Object.entries(renderVectorFiles())) {
    const path = join(VECTORS_DIR, name);
    if (check) {
      let current = '';
      try {
        current = readFileSync(path, 'utf8');
      } catch {
        // a missing file counts as stale
      }
      if (current !== content) {
        stale++;
        console.error(`stale: ${path}`);
      }
    } else {
      writeFileSync(path, content);
      console.log(`wrote ${path}`);
    }
  }
  if (stale > 0) process.exit(1);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
