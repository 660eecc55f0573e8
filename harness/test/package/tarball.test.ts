// What `npm pack` would publish: the licence and repository metadata, source maps that carry their sources
// (the TypeScript sources are not shipped), and docs whose relative links all resolve inside the tarball.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  license?: string;
  repository?: { type?: string; url?: string };
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  dependencies: Record<string, string>;
};

let packed: Set<string> | undefined;

/** The tarball's file list, from npm itself (no tarball is written); asked once. */
function packedFiles(): Set<string> {
  packed ??= askNpm();
  return packed;
}

function askNpm(): Set<string> {
  assert.ok(existsSync(join(root, 'dist/src/index.js')), 'run `npm run build` first (npm test does)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.status, 0, `npm pack --dry-run: ${result.error?.message ?? result.stderr}`);
  const [pack] = JSON.parse(result.stdout) as Array<{ files: Array<{ path: string }> }>;
  return new Set(pack!.files.map((file) => file.path));
}

test('the tarball carries the MIT LICENSE that package.json names, and repository metadata', () => {
  const files = packedFiles();
  assert.ok(files.has('LICENSE'), 'LICENSE is not in the tarball');
  assert.equal(manifest.license, 'MIT');
  const licence = readFileSync(join(root, 'LICENSE'), 'utf8');
  assert.match(licence, /^MIT License\n\nCopyright \(c\) \d{4} /);
  assert.match(licence, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
  assert.equal(manifest.repository?.type, 'git');
  assert.match(manifest.repository?.url ?? '', /^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
});

test('the tarball holds what the package promises (entry points, bin, catalogue, spec) and no tests or harness', () => {
  const files = packedFiles();
  for (const target of Object.values(manifest.exports)) {
    if (typeof target === 'string') continue;
    assert.ok(files.has(normalize(target.default)), `${target.default} not shipped`);
    assert.ok(files.has(normalize(target.types)), `${target.types} not shipped`);
  }
  for (const bin of Object.values(manifest.bin)) assert.ok(files.has(normalize(bin)), `${bin} not shipped`);
  for (const needed of [
    'docs/spec.md',
    'docs/cli.md',
    'README.md',
    'package.json',
    'dist/src/conform/reference-worker.js',
  ])
    assert.ok(files.has(needed), `${needed} not shipped`);
  assert.ok(
    [...files].some((f) => /^features\/[^/]+\.feature$/.test(f)),
    'no feature files shipped',
  );
  assert.ok(
    [...files].some((f) => /^dist\/features\/.+\.js$/.test(f)),
    'no compiled step definitions shipped',
  );
  const unwanted = [...files].filter(
    (f) => /^(harness|src|fixtures\/(broken|python|go|rust))\//.test(f) || /\.test\.(ts|js)$/.test(f),
  );
  assert.deepEqual(unwanted, []);
});

test('every shipped source map carries its sources or points at shipped files', () => {
  const files = packedFiles();
  const maps = [...files].filter((f) => f.endsWith('.map'));
  assert.ok(maps.length > 0, 'the build emits source maps');
  const missing: string[] = [];
  for (const map of maps) {
    const parsed = JSON.parse(readFileSync(join(root, map), 'utf8')) as {
      sources: string[];
      sourceRoot?: string;
      sourcesContent?: Array<string | null>;
    };
    parsed.sources.forEach((source, i) => {
      if (typeof parsed.sourcesContent?.[i] === 'string') return;
      const shipped = normalize(join(dirname(map), parsed.sourceRoot ?? '', source));
      if (!files.has(shipped)) missing.push(`${map}: ${source}`);
    });
  }
  assert.deepEqual(missing.slice(0, 10), [], `${missing.length} source map entries point at files the tarball lacks`);
  // And every emitted file that names a map has that map in the tarball.
  const dangling = [...files]
    .filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))
    .filter((f) => {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(root, f), 'utf8'))?.[1];
      return url !== undefined && !url.startsWith('data:') && !files.has(normalize(join(dirname(f), url)));
    });
  assert.deepEqual(dangling.slice(0, 10), []);
});

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading!
      .toLowerCase()
      .replace(/[`*_]/g, '')
      .replace(/[^\p{L}\p{N}\s-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    found.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const [, id] of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) found.add(id!);
  return found;
}

/** Relative link targets of a markdown file: inline links and images, reference definitions, HTML href/src. Code is skipped. */
function relativeLinks(markdown: string): string[] {
  const text = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  const targets = [
    ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
    ...[...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!),
    ...[...text.matchAll(/\s(?:href|src)="([^"]+)"/g)].map((m) => m[1]!),
  ];
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('//'));
}

test('relativeLinks finds inline, reference and HTML links and skips code and URLs', () => {
  const markdown =
    'See [spec](docs/spec.md#x) and ![img](a.png "t").\n[ref]: ../out.md\n<a href="b.md">b</a> `[c](code.md)`\n```\n[d](fenced.md)\n```\n[web](https://x.org/y.md) [mail](mailto:a@b)\n';
  assert.deepEqual(relativeLinks(markdown), ['docs/spec.md#x', 'a.png', '../out.md', 'b.md']);
});

test('every relative link in every shipped doc resolves to a shipped file (and its anchor to a heading)', () => {
  const files = packedFiles();
  const docs = [...files].filter((f) => f.endsWith('.md'));
  assert.ok(docs.includes('README.md') && docs.includes('docs/cli.md'));
  const broken: string[] = [];
  for (const doc of docs) {
    const markdown = readFileSync(join(root, doc), 'utf8');
    for (const link of relativeLinks(markdown)) {
      const [path = '', anchor] = link.split('#');
      const target = path === '' ? doc : normalize(join(dirname(doc), decodeURIComponent(path)));
      const isDir = [...files].some((f) => f.startsWith(`${target.replace(/\/$/, '')}/`));
      if (!files.has(target) && !isDir) {
        broken.push(`${doc}: ${link} (${target} is not in the tarball)`);
        continue;
      }
      if (
        anchor !== undefined &&
        anchor !== '' &&
        target.endsWith('.md') &&
        !anchors(readFileSync(join(root, target), 'utf8')).has(anchor)
      ) {
        broken.push(`${doc}: ${link} (no heading #${anchor} in ${target})`);
      }
    }
  }
  assert.deepEqual(broken, []);
});
