/**
 * How a target spells the conformance service's method names (docs/spec.md section 13, "Method names").
 * The catalogue is written with wire names (`write_stdout`); a port whose language exports methods under
 * another convention (Go's `WriteStdout`) is checked through a mapping instead of being failed for it.
 * `listFunctions` (MF-CALL-9) and names starting with `_` (MF-CALL-4) are protocol rules, never mapped.
 */
import { InvalidArgumentError } from '../errors.js';

/** The naming conventions the kit knows. `wire` means the names of the spec's table, unchanged. */
export type NameStyle = 'wire' | 'pascal' | 'camel' | 'snake';

export const NAME_STYLES: readonly NameStyle[] = ['wire', 'pascal', 'camel', 'snake'];

export interface MethodNames {
  style: NameStyle;
  /** Explicit wire name -> target name entries; they win over the style. */
  map?: Readonly<Record<string, string>>;
}

export const WIRE_NAMES: MethodNames = { style: 'wire' };

/** The methods of the conformance service (spec section 13) that a mapping applies to. */
export const SERVICE_METHODS: readonly string[] = [
  'echo',
  'add',
  'fail',
  'sleep',
  'write_stdout',
  'write_stderr',
  'nothing',
  'profile',
  'pid',
  'crash',
];

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .filter((word) => word !== '')
    .map((word) => word.toLowerCase());
}

/** `name` in `style`: `write_stdout` -> `WriteStdout` (pascal), `writeStdout` (camel), `write_stdout` (snake). */
export function spell(name: string, style: NameStyle): string {
  if (style === 'wire') return name;
  const parts = words(name);
  if (parts.length === 0) return name;
  const capital = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);
  switch (style) {
    case 'pascal':
      return parts.map(capital).join('');
    case 'camel':
      return parts[0]! + parts.slice(1).map(capital).join('');
    case 'snake':
      return parts.join('_');
  }
}

/** The name the target serves for the wire name `name` (unchanged for protocol names and `_` names). */
export function targetName(name: string, names: MethodNames = WIRE_NAMES): string {
  if (name === 'listFunctions' || name.startsWith('_')) return name;
  const mapped = names.map?.[name];
  if (mapped !== undefined) return mapped;
  return SERVICE_METHODS.includes(name) ? spell(name, names.style) : name;
}

/**
 * Every spelling under which a forbidden name (`start`, `toString`, ...) could become callable in the
 * target: the name itself and its spelling in the target's style (MF-CALL-5 probes them all).
 */
export function forbiddenSpellings(name: string, names: MethodNames = WIRE_NAMES): string[] {
  if (name.startsWith('_')) return [name];
  const spellings = [name, spell(name, names.style)];
  return [...new Set(spellings)];
}

/**
 * Reads a `--name-map` document: a JSON object of wire name -> target name, strings only.
 * @throws InvalidArgumentError naming the bad entry.
 */
export function parseNameMap(json: string, source: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new InvalidArgumentError(
      '--name-map',
      `${source} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidArgumentError(
      '--name-map',
      `${source} must hold a JSON object of wire name -> name, e.g. {"write_stdout": "WriteOut"}`,
    );
  const map: Record<string, string> = {};
  for (const [wire, name] of Object.entries(value)) {
    if (!SERVICE_METHODS.includes(wire))
      throw new InvalidArgumentError(
        '--name-map',
        `${source}: "${wire}" is not a conformance service method (${SERVICE_METHODS.join(', ')})`,
      );
    if (typeof name !== 'string' || name === '')
      throw new InvalidArgumentError('--name-map', `${source}: the name for "${wire}" must be a non-empty string`);
    map[wire] = name;
  }
  return map;
}
