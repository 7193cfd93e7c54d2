/**
 * The engine's issues (line, column, message, severity) as Monaco markers.
 * Pure (no Monaco import) so it is unit-tested; the caller passes Monaco's
 * MarkerSeverity values.
 */
import type { ConfigIssue } from '../../client/contract';

export const ENGINE_MARKER_OWNER = 'switchyard-engine';

export interface MarkerData {
  severity: number;
  message: string;
  source: string;
  startLineNumber: number;
  startColumn: number;
  endLineNumber: number;
  endColumn: number;
}

export interface TextLines {
  lineCount: number;
  line(n: number): string;
}

/**
 * End column (1-based, exclusive) of the YAML token starting at `column`: a
 * quoted scalar to its closing quote, else up to whitespace, `,`, `]`, `}` or
 * a `: ` separator. At least one character is marked so the squiggle shows.
 */
export function tokenEnd(line: string, column: number): number {
  let i = Math.max(0, column - 1);
  if (i >= line.length) return line.length + 1 > column ? line.length + 1 : column + 1;
  const q = line[i];
  if (q === '"' || q === "'") {
    let j = i + 1;
    while (j < line.length && line[j] !== q) j += line[j] === '\\' && q === '"' ? 2 : 1;
    return Math.min(line.length, j + 1) + 1;
  }
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === ',' || c === ']' || c === '}') break;
    if (c === ':' && (i + 1 === line.length || line[i + 1] === ' ')) break;
    i++;
  }
  return Math.max(i + 1, column + 1);
}

export function issuesToMarkers(
  issues: readonly ConfigIssue[],
  text: TextLines,
  severity: { error: number; warning: number },
): MarkerData[] {
  return issues.map((issue) => {
    const lineNumber = Math.min(Math.max(1, issue.line), Math.max(1, text.lineCount));
    const line = text.line(lineNumber);
    const startColumn = Math.min(Math.max(1, issue.column), line.length + 1);
    const endColumn = tokenEnd(line, startColumn);
    return {
      severity: issue.severity === 'warning' ? severity.warning : severity.error,
      message: issue.message,
      source: 'switchyard',
      startLineNumber: lineNumber,
      startColumn,
      endLineNumber: lineNumber,
      endColumn,
    };
  });
}
