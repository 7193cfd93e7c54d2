/** Collects an exporter's translation notes in the order constructs are met (a route served by two listeners is noted once). */
import type { Fidelity, TranslationNote } from '../exporter.js';

export class Notes {
  readonly list: TranslationNote[] = [];

  private readonly seen = new Set<string>();

  add(fidelity: Fidelity, subject: string, detail: string): void {
    const key = `${fidelity}\n${subject}\n${detail}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push({ fidelity, subject, detail });
  }
  exact(subject: string, detail: string): void {
    this.add('exact', subject, detail);
  }
  approx(subject: string, detail: string): void {
    this.add('approximated', subject, detail);
  }
  unsupported(subject: string, detail: string): void {
    this.add('unsupported', subject, detail);
  }
}
