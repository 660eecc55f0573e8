/**
 * What the runs exercised: commands, settlement kinds and events, counted across every run of a property, so
 * the test can show the model was not checked vacuously (every breaker transition, give-ups, misses, ...).
 */
export class ModelCoverage {
  readonly counts = new Map<string, number>();

  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Keys of `wanted` never seen. */
  missing(wanted: readonly string[]): string[] {
    return wanted.filter((key) => (this.counts.get(key) ?? 0) === 0);
  }

  toString(): string {
    return [...this.counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, count]) => `${key}: ${count}`)
      .join(', ');
  }
}

/** The coverage of the property running now (reset by the test before it runs). */
export let coverage = new ModelCoverage();

export function resetCoverage(): ModelCoverage {
  coverage = new ModelCoverage();
  return coverage;
}

/** An event's kind for coverage: "breaker open->half-open", "heartbeat-rtt", "restarting", ... */
export function eventKind(text: string): string {
  const words = text.split(' ');
  return words[0] === 'breaker' ? `breaker ${words[1]}` : words[0]!;
}
