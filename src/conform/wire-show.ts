/** Wire values rendered for reports. */
import { floatValue, type WireValue } from './wire-value.js';

/** A short, readable rendering of a wire value for reports: `{"a": [1, 1.5, nil, bin:00ff]}`, cut at `max` characters. */
export function showWire(value: WireValue, max = 160): string {
  const text = render(value, max + 1);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function render(value: WireValue, budget: number): string {
  switch (value.type) {
    case 'nil':
      return 'nil';
    case 'bool':
      return String(value.value);
    case 'int':
      return value.wide === true ? `${value.value} (wide format)` : value.value;
    case 'float':
      return renderFloat(value.bits) + (value.single === true ? ' (float32)' : '');
    case 'str':
      return value.value.length > 40
        ? `${JSON.stringify(value.value.slice(0, 20))}... (${value.value.length} chars)`
        : JSON.stringify(value.value);
    case 'bin':
      return value.hex.length > 32
        ? `bin:${value.hex.slice(0, 16)}... (${value.hex.length / 2} bytes)`
        : `bin:${value.hex}`;
    case 'ext':
      return `ext(${value.extType}):${value.hex.slice(0, 32)}`;
    case 'array':
      return `[${joinWithin(
        value.items.map((item) => (b: number) => render(item, b)),
        budget,
      )}]`;
    case 'map':
      return `{${joinWithin(
        value.entries.map(
          ([k, v]) =>
            (b: number) =>
              `${render(k, b)}: ${render(v, b)}`,
        ),
        budget,
      )}}`;
  }
}

function renderFloat(bits: string): string {
  const n = floatValue(bits);
  if (Number.isNaN(n)) return `NaN (f64 ${bits})`;
  if (Object.is(n, -0)) return '-0.0';
  const text = String(n);
  return /[.e]|Infinity/.test(text) ? text : `${text}.0`;
}

/** Joins rendered parts until the budget is spent (long arrays and maps say how many were left out). */
function joinWithin(parts: Array<(budget: number) => string>, budget: number): string {
  const out: string[] = [];
  let used = 0;
  for (let i = 0; i < parts.length; i++) {
    if (used > budget) {
      out.push(`... ${parts.length - i} more`);
      break;
    }
    const text = parts[i]!(budget - used);
    out.push(text);
    used += text.length + 2;
  }
  return out.join(', ');
}
