/**
 * The registry file as a document: a JSON object whose members are service entries. Members are kept as their
 * raw JSON text, so a writer that changes one entry writes every other entry back byte for byte, whatever it
 * holds (wrong types, extra keys, numbers JSON.parse would round). Never lose another service's entry.
 * @see MF-REG-2, MF-REG-7, MF-REG-12
 */

/** One member of the registry object: its parsed value and its exact source text. */
export interface RegistryMember {
  readonly value: unknown;
  readonly raw: string;
}

/** The parse result: the members in file order, or why the text is not a registry. */
export type ParsedRegistry =
  | { readonly ok: true; readonly members: Map<string, RegistryMember> }
  | { readonly ok: false; readonly reason: string };

const BYTE_ORDER_MARK = '\uFEFF';

/** Parses registry text. Tolerates a leading byte order mark; anything that is not one JSON object is refused. */
export function parseRegistryText(input: string): ParsedRegistry {
  const text = input.startsWith(BYTE_ORDER_MARK) ? input.slice(1) : input;
  if (text.trim() === '') return { ok: false, reason: 'the file is empty' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not valid JSON (${(error as Error).message})` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    return { ok: false, reason: `the top-level JSON value is ${kind}, not an object` };
  }
  return { ok: true, members: scanMembers(text) };
}

/** Serialises members in order, one per line; an empty registry is `{}`. Ends with a newline. */
export function formatRegistryText(members: ReadonlyMap<string, RegistryMember>): string {
  if (members.size === 0) return '{}\n';
  const lines = [...members].map(([key, member]) => `  ${JSON.stringify(key)}: ${member.raw}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

/** A member for a value we write ourselves. */
export function memberOf(value: unknown): RegistryMember {
  return { value, raw: JSON.stringify(value) };
}

// The scanner below runs only on text JSON.parse accepted as an object, so it can skip validation and only
// needs to find where each top-level member's value starts and ends.

function scanMembers(text: string): Map<string, RegistryMember> {
  const members = new Map<string, RegistryMember>();
  let index = skipSpace(text, text.indexOf('{') + 1);
  while (text[index] !== '}') {
    const keyEnd = skipString(text, index);
    const key = JSON.parse(text.slice(index, keyEnd)) as string;
    const valueStart = skipSpace(text, skipSpace(text, keyEnd) + 1); // past the colon
    const valueEnd = skipValue(text, valueStart);
    const raw = text.slice(valueStart, valueEnd);
    // A duplicate key keeps its last value, as JSON.parse does.
    members.set(key, { value: JSON.parse(raw) as unknown, raw });
    index = skipSpace(text, valueEnd);
    if (text[index] === ',') index = skipSpace(text, index + 1);
  }
  return members;
}

function skipSpace(text: string, from: number): number {
  let index = from;
  while (index < text.length && ' \t\r\n'.includes(text[index]!)) index++;
  return index;
}

/** From an opening quote to just past the closing one. */
function skipString(text: string, from: number): number {
  let index = from + 1;
  while (text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
  return index + 1;
}

/** From the first character of any JSON value to just past its end. */
function skipValue(text: string, from: number): number {
  const first = text[from];
  if (first === '"') return skipString(text, from);
  if (first !== '{' && first !== '[') {
    let index = from;
    while (index < text.length && !',}] \t\r\n'.includes(text[index]!)) index++;
    return index;
  }
  let depth = 0;
  let index = from;
  for (;;) {
    const char = text[index];
    if (char === '"') {
      index = skipString(text, index);
      continue;
    }
    if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') depth--;
    index++;
    if (depth === 0) return index;
  }
}
