import { useMemo, useState } from 'react';
import type { ResultOf } from '../../client/contract';
import { reveal } from '../text/reveal';
import { childPath, initiallyOpen, jsonEntries, JSON_CHILD_LIMIT } from './json-open';
import { asText, base64Length, classifyBody, dataUrl, decodeBase64, formatBytes, hexDump, HEX_LIMIT, prettyJson } from './body';

export type WireBody = ResultOf<'history.get'>['requestBody'];

function JsonNode({ name, value, path, open: openPaths }: { name: string | null; value: unknown; path: string; open: ReadonlySet<string> }) {
  const [open, setOpen] = useState(() => openPaths.has(path));
  const label = name === null ? null : <span className="json-key">{name}: </span>;
  const entries = jsonEntries(value);
  if (entries !== null) {
    const brackets = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
    return (
      <div className="json-node">
        <button type="button" className="json-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? '▾' : '▸'}
        </button>
        {label}
        {brackets[0]}
        {!open && (
          <span className="muted">
            {' '}
            {entries.length} {Array.isArray(value) ? (entries.length === 1 ? 'item' : 'items') : entries.length === 1 ? 'key' : 'keys'}{' '}
          </span>
        )}
        {open && (
          <div className="json-children">
            {entries.slice(0, JSON_CHILD_LIMIT).map(([k, v]) => (
              <JsonNode key={k} name={k} value={v} path={childPath(path, k)} open={openPaths} />
            ))}
            {entries.length > JSON_CHILD_LIMIT && <div className="muted">… {entries.length - JSON_CHILD_LIMIT} more</div>}
          </div>
        )}
        {brackets[1]}
      </div>
    );
  }
  return (
    <div className="json-node json-leaf">
      {label}
      <span className={`json-${value === null ? 'null' : typeof value}`}>{JSON.stringify(value)}</span>
    </div>
  );
}

export function BodyViewer({ body, testId }: { body: WireBody; testId?: string }) {
  // A content-encoded body is shown decoded, with the wire bytes one click away.
  const [showWire, setShowWire] = useState(false);
  const decoded = body.decoded && 'base64' in body.decoded ? body.decoded : null;
  const showDecoded = decoded !== null && !showWire;
  const shown = showDecoded ? decoded.base64 : body.base64;
  const bytes = useMemo(() => (shown === null ? null : decodeBase64(shown)), [shown]);
  const kind = useMemo(() => classifyBody(body.contentType, bytes), [body.contentType, bytes]);
  const [mode, setMode] = useState<'tree' | 'pretty' | 'raw'>('tree');
  const text = useMemo(() => (bytes && kind !== 'binary' && kind !== 'image' ? (asText(bytes) ?? '') : ''), [bytes, kind]);
  const json = useMemo(() => {
    if (kind !== 'json') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }, [kind, text]);
  const openPaths = useMemo(() => initiallyOpen(json), [json]);

  const wireKept = body.base64 === null ? 0 : base64Length(body.base64);
  const notice =
    body.truncated || (showDecoded && decoded.cut) ? (
      <div className="body-notice" role="note">
        {/* Truncated with every byte kept: the transfer itself ended before the body did. */}
        {body.truncated && wireKept < body.size ? `Truncated: ${formatBytes(wireKept)} of ${formatBytes(body.size)} captured` : 'The transfer ended early'}
        {showDecoded ? ', shown decoded as far as it goes' : ''}.
      </div>
    ) : null;
  const codingNote =
    body.decoded && 'error' in body.decoded ? (
      <div className="body-notice" role="note" data-testid="body-coding-error">
        Content-Encoding {body.decoded.codings.join(', ')}: not decoded, {body.decoded.error}. Shown as it came.
      </div>
    ) : null;

  // Nothing stored. A stored body that decodes to nothing (an empty gzip stream) still gets its head and toggle below.
  if (bytes === null || (kind === 'none' && decoded === null)) {
    return (
      <div className="body-viewer" data-testid={testId}>
        <span className="muted">{body.size > 0 ? `Body of ${formatBytes(body.size)} not stored.` : 'No body.'}</span>
      </div>
    );
  }

  return (
    <div className="body-viewer" data-testid={testId} data-kind={kind}>
      <div className="body-head small muted">
        <span>
          {body.contentType === null ? 'no content type' : reveal(body.contentType)} ·{' '}
          {showDecoded
            ? `${decoded.cut ? 'at least ' : ''}${formatBytes(decoded.size)} decoded from ${decoded.codings.join(', ')} (${formatBytes(body.size)} on the wire)`
            : formatBytes(body.size)}{' '}
          · {kind}
        </span>
        <span className="body-actions">
          {decoded !== null && (
            <button type="button" className="body-wire-toggle" aria-pressed={showWire} onClick={() => setShowWire(!showWire)} data-testid="body-wire-toggle">
              {showWire ? 'Show decoded' : 'Show wire bytes'}
            </button>
          )}
          {kind === 'json' && (
            <span className="body-modes">
              {(['tree', 'pretty', 'raw'] as const).map((m) => (
                <button key={m} type="button" className={mode === m ? 'active' : ''} aria-pressed={mode === m} onClick={() => setMode(m)}>
                  {m}
                </button>
              ))}
            </span>
          )}
        </span>
      </div>
      {notice}
      {codingNote}
      {kind === 'none' && <span className="muted">Empty: it decodes to no bytes.</span>}
      {kind === 'json' && mode === 'tree' && (
        <div className="json-tree mono">
          <JsonNode name={null} value={json} path="" open={openPaths} />
        </div>
      )}
      {kind === 'json' && mode !== 'tree' && <pre className="body-text">{mode === 'pretty' ? prettyJson(text) : text}</pre>}
      {(kind === 'text' || kind === 'xml' || kind === 'html') && <pre className="body-text">{text}</pre>}
      {kind === 'image' && shown && (
        <img className="body-image" alt={`response body (${body.contentType})`} src={dataUrl(body.contentType ?? 'application/octet-stream', shown)} />
      )}
      {kind === 'binary' && (
        <>
          {bytes.length > HEX_LIMIT && <div className="body-notice">Hex view shows the first {formatBytes(HEX_LIMIT)}.</div>}
          <pre className="body-text body-hex">{hexDump(bytes)}</pre>
        </>
      )}
    </div>
  );
}
