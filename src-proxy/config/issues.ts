/** A problem in a workspace file, located at a line and column (both 1-based). */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  message: string;
  /** Path into the YAML tree, e.g. ['upstreams', 'users', 'targets', 0, 'url']. */
  path: (string | number)[];
  severity: 'error' | 'warning';
}

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.file}:${issue.line}:${issue.column} ${issue.severity === 'warning' ? 'warning: ' : ''}${issue.message}`;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.filter((i) => i.severity === 'error').map(formatIssue).join('\n') || 'invalid configuration');
    this.name = 'ConfigError';
  }
}
