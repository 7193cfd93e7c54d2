/**
 * The workspace text behind the running plan: where it came from, applying new
 * text (validate → apply → save, in that order, so the file on disk never holds
 * a config that failed), and reloading when the file changes on disk.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { ConfigIssue } from '../config/issues.js';
import { loadWorkspaceText } from '../config/load.js';
import type { Engine } from '../engine.js';

export interface ApplyOutcome {
  applied: boolean;
  generation: number | null;
  issues: ConfigIssue[];
  warnings: string[];
}

export class WorkspaceSource {
  private watcher: FSWatcher | null = null;
  private reloadTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly engine: Engine,
    /** The file the text is saved to, or null for an in-memory workspace (the demo). */
    readonly file: string | null,
    private current: string,
    readonly label: string = file ?? 'workspace.yaml',
  ) {}

  get text(): string {
    return this.current;
  }

  validate(text: string): ConfigIssue[] {
    return loadWorkspaceText(text, this.label).issues;
  }

  async apply(text: string, opts: { save?: boolean } = {}): Promise<ApplyOutcome> {
    const { plan, issues } = loadWorkspaceText(text, this.label);
    if (!plan) return { applied: false, generation: null, issues, warnings: [] };
    const { generation, warnings } = await this.engine.apply(plan);
    this.current = text;
    if (opts.save !== false && this.file !== null) await saveAtomically(this.file, text);
    return { applied: true, generation, issues, warnings };
  }

  /** Re-applies the file whenever it changes; problems go to `report`, the running config stays. */
  watch(report: (outcome: ApplyOutcome) => void): void {
    const file = this.file;
    if (file === null || this.watcher) return;
    this.watcher = watch(file, () => {
      // Editors write in bursts (truncate, write, rename): settle first.
      if (this.reloadTimer) clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => {
        readFile(file, 'utf8')
          .then((text) => (text === this.current ? null : this.apply(text, { save: false })))
          .then((outcome) => outcome && report(outcome))
          .catch(() => undefined);
      }, 150);
    });
  }

  close(): void {
    this.watcher?.close();
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
  }
}

async function saveAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, file);
}
