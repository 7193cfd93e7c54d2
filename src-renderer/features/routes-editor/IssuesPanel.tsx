import type { ConfigIssue } from '../../client/contract';
import { useAppStore } from '../../store';
import { selectCurrentIssues } from '../../store/workspace/selectors';

/** The engine's issues for the current draft; clicking one jumps to it. */
export function IssuesPanel({ onJump }: { onJump: (issue: ConfigIssue) => void }) {
  const issues = useAppStore(selectCurrentIssues);
  if (issues.length === 0) return null;
  return (
    <section className="issues" aria-label="Problems" data-testid="issues">
      <h2>
        Problems <span className="count">{issues.length}</span>
      </h2>
      <ul>
        {issues.map((i) => (
          <li key={`${i.line}:${i.column}:${i.message}`}>
            <button type="button" className={`issue ${i.severity}`} onClick={() => onJump(i)}>
              <span className="issue-icon" aria-hidden>
                {i.severity === 'error' ? '✗' : '⚠'}
              </span>
              <span className="issue-pos">
                {i.line}:{i.column}
              </span>
              <span className="issue-msg">{i.message}</span>
              {i.path.length > 0 && <span className="issue-path muted">{i.path.join('.')}</span>}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
