/**
 * The workspace text behind the running plan: where it came from, applying new
 * text (validate → apply → save, in that order, so the file on disk never holds
 * a config that failed), and reloading when the file changes on disk.
 */
import { realpathSync, watch, type FSWatcher } from 'node:fs';
import { chmod, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { SwitchyardError } from '../errors.js';
import { formatIssue, type ConfigIssue } from '../config/issues.js';
import { loadWorkspaceText } from '../config/load.js';
import { readWorkspaceFile } from '../config/read-workspace.js';
import type { Engine } from '../engine.js';
import { applyFailureIssue } from './apply-failure.js';

export interface ApplyOutcome {
  applied: boolean;
  generation: number | null;
  issues: ConfigIssue[];
  warnings: string[];
}

let saveCounter = 0;

export class WorkspaceSource {
  private readonly watchers: FSWatcher[] = [];
  private reloadTimer: NodeJS.Timeout | null = null;
  /** Applies run one at a time, so the text, the engine's plan and the saved file always agree. */
  private queue: Promise<unknown> = Promise.resolve();

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

  /**
   * Validates and applies `text`. Invalid text resolves with `applied: false`;
   * a valid plan the engine cannot apply (a port taken by another process)
   * rejects with a CONFIG_INVALID error carrying the located issue, and the
   * running configuration stays.
   */
  apply(text: string, opts: { save?: boolean } = {}): Promise<ApplyOutcome> {
    const run = this.queue.then(() => this.applyNow(text, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(text: string, opts: { save?: boolean }): Promise<ApplyOutcome> {
    const { plan, issues } = loadWorkspaceText(text, this.label);
    if (!plan) return { applied: false, generation: null, issues, warnings: [] };
    let result: { generation: number; warnings: string[] };
    try {
      result = await this.engine.apply(plan);
    } catch (err) {
      const issue = applyFailureIssue(err, plan, text, this.label);
      throw new SwitchyardError('CONFIG_INVALID', formatIssue(issue), { cause: err, extensions: { issues: [issue] } });
    }
    this.current = text;
    const warnings = [...result.warnings];
    if (opts.save !== false && this.file !== null) {
      // The engine already runs the new plan: a failed save is a warning, not a failed apply.
      await saveAtomically(this.file, text).catch((err: Error) => warnings.push(`applied, but not saved to ${this.file}: ${err.message}`));
    }
    return { applied: true, generation: result.generation, issues, warnings };
  }

  /**
   * Re-applies the file whenever it changes; problems go to `report`, the
   * running config stays. The directory is watched, not the file: editors
   * (and apply's own save) replace the file by renaming, which a watch on the
   * old inode would never see.
   */
  watch(report: (outcome: ApplyOutcome) => void): void {
    const file = this.file;
    if (file === null || this.watchers.length > 0) return;
    let real = file;
    try {
      real = realpathSync(file);
    } catch {
      // Not there right now: watch where it will appear.
    }
    // A symlinked workspace: the link's directory (link replaced) and the target's (target edited).
    for (const path of new Set([file, real])) {
      const name = basename(path);
      const watcher = watch(dirname(path), (_event, changed) => {
        if (changed !== null && changed !== name) return;
        // Editors write in bursts (truncate, write, rename): settle first.
        if (this.reloadTimer) clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => void this.reload(file, report), 150);
      });
      watcher.on('error', () => undefined);
      this.watchers.push(watcher);
    }
  }

  private async reload(file: string, report: (outcome: ApplyOutcome) => void): Promise<void> {
    const read = await readWorkspaceFile(file, this.label);
    if (read.issue) {
      // Removed or mid-rename: the next event brings the new file.
      if (!read.unreadable) report({ applied: false, generation: null, issues: [read.issue], warnings: [] });
      return;
    }
    const text = read.text;
    if (text === this.current) return;
    try {
      report(await this.apply(text, { save: false }));
    } catch (err) {
      const issues = (err as SwitchyardError).extensions?.issues as ConfigIssue[] | undefined;
      report({ applied: false, generation: null, issues: issues ?? [], warnings: [] });
    }
  }

  close(): void {
    for (const w of this.watchers.splice(0)) w.close();
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
  }
}

/**
 * A temporary file renamed into place (a temporary name per save: concurrent
 * saves must not share one). The rename goes to the symlink's target, so a
 * linked workspace stays linked, and the new file keeps the old one's mode, so
 * a workspace holding secrets that was 0600 does not become world-readable.
 */
async function saveAtomically(file: string, text: string): Promise<void> {
  const target = await realpath(file).catch(() => file);
  const mode = await stat(target).then(
    (st) => st.mode & 0o777,
    () => 0o644,
  );
  const tmp = `${target}.${process.pid}.${++saveCounter}.tmp`;
  try {
    await writeFile(tmp, text, { encoding: 'utf8', mode });
    await chmod(tmp, mode); // writeFile's mode is filtered by the umask
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
