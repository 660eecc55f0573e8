/**
 * Where the kit's catalogue lives: the `.feature` files under `<package>/features` and the COMPILED step
 * definitions and support code under `<package>/dist/features` (the shipped CLI runs without tsx).
 * Paths are found relative to this file, so the kit works from any working directory and when installed.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the directory holding package.json, above `src/` or `dist/src/`. */
export function packageRoot(): string {
  const here = fileURLToPath(import.meta.url);
  const marker = here.includes('/dist/src/') ? '/dist/src/' : '/src/';
  return here.slice(0, here.lastIndexOf(marker));
}

export interface CatalogueLocation {
  root: string;
  featuresDir: string;
  /** Absolute paths of the feature files, sorted. */
  featureFiles: string[];
  /** Absolute paths of the compiled support code (World, hooks, steps), sorted. */
  supportFiles: string[];
}

function walk(dir: string, keep: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...walk(path, keep));
    else if (keep(name)) found.push(path);
  }
  return found;
}

/** Environment variable pointing the kit at another catalogue root (its own tests use a small one). */
export const CATALOGUE_ROOT_ENV = 'MULTIFROST_CONFORM_CATALOGUE';

/**
 * Locates the catalogue. Support code is taken from `dist/features` (compiled by `npm run build`).
 * The root defaults to `MULTIFROST_CONFORM_CATALOGUE`, else this package.
 */
export function locateCatalogue(root: string = process.env[CATALOGUE_ROOT_ENV] ?? packageRoot()): CatalogueLocation {
  const featuresDir = join(root, 'features');
  const compiled = join(root, 'dist', 'features');
  return {
    root,
    featuresDir,
    featureFiles: walk(featuresDir, (name) => name.endsWith('.feature')),
    supportFiles: walk(compiled, (name) => name.endsWith('.js')),
  };
}

/** The package version, for reports. */
export async function kitVersion(root: string = packageRoot()): Promise<string> {
  try {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A scenario's id as the kit prints it: its feature file relative to `features/`, and its line (an Examples row's line for an outline). */
export function scenarioId(
  pickle: { uri: string; location?: { line: number } | undefined },
  featuresDir: string,
): string {
  const uri = pickle.uri.replace(/\\/g, '/');
  const base = featuresDir.replace(/\\/g, '/').replace(/\/?$/, '/');
  const index = uri.lastIndexOf('features/');
  const relative = uri.startsWith(base)
    ? uri.slice(base.length)
    : index >= 0
      ? uri.slice(index + 'features/'.length)
      : uri;
  return `${relative}:${pickle.location?.line ?? 0}`;
}
