/** Control methods that act on captured exchanges: replay, diff, curl, HAR. */
import { z } from 'zod';
import { decodedResponseAsync, exportHar, harEntry } from '../har/har-export.js';
import type { HarEntry } from '../har/har-types.js';
import { importHarInSlices } from '../har/har-import.js';
import type { CapturedExchange } from '../capture/captured-exchange.js';
import { diffExchanges } from '../replay/diff.js';
import { toCurl } from '../replay/curl.js';
import { listenerOrigin } from '../replay/listener-origin.js';
import { caPaths } from '../tls/ca-files.js';
import { bodyHasMaskedJwtAsync } from '../replay/masked-body.js';
import { replayExchange } from '../replay/replay.js';
import { SwitchyardError } from '../errors.js';
import { method, type ControlDeps } from './control-deps.js';
import { getExchange, reading } from './history-methods.js';
import { toWire } from './wire.js';

const headerValues = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
const edit = z
  .strictObject({
    // Checked by buildReplayRequest, as for a replay from the command line: one rule and one message.
    method: z.string().optional(),
    url: z.string().optional(),
    headers: z
      .strictObject({ remove: z.array(z.string()).optional(), set: headerValues.optional(), add: headerValues.optional() })
      .optional(),
    body: z.union([z.strictObject({ text: z.string() }), z.strictObject({ base64: z.string() }), z.null()]).optional(),
  })
  .optional();

/**
 * The most a HAR built in memory may weigh, in characters of JSON. The answer is built,
 * serialised and copied to the workbench whole, several times its size: past this a large
 * history could exhaust the gateway's memory. The CLI streams exports of any size to a file.
 */
export const MAX_HAR_EXPORT_BYTES = 128 * 1024 * 1024;

/**
 * HAR entries for an export: explicit ids, or everything a query finds (newest first, bounded).
 * Each entry is measured as it is built: a compressed body is written decoded, so the stored
 * bytes say little about its size in the HAR.
 */
async function harEntries(deps: ControlDeps, args: { ids?: string[]; query?: string; limit: number }): Promise<HarEntry[]> {
  const out: HarEntry[] = [];
  let chars = 0;
  const add = async (record: CapturedExchange): Promise<void> => {
    const entry = harEntry(record, await decodedResponseAsync(record));
    chars += JSON.stringify(entry).length;
    if (chars > MAX_HAR_EXPORT_BYTES) {
      throw new SwitchyardError(
        'EXPORT_TOO_LARGE',
        `The ${args.ids ? `${args.ids.length} chosen` : 'found'} exchanges make a HAR of more than ${MAX_HAR_EXPORT_BYTES / 1024 / 1024} MB (${out.length} fit): export fewer, or use "switchyard history export-har QUERY -o FILE", which writes any size.`,
      );
    }
    out.push(entry);
  };
  if (args.ids) {
    for (const id of args.ids) await add(await getExchange(deps, id));
    return out;
  }
  const history = deps.history;
  if (history === null) throw new SwitchyardError('NOT_FOUND', 'History is switched off in this workspace (history.enabled: false).');
  let cursor: string | undefined;
  do {
    const page = await history.reader.search({ query: args.query ?? '', limit: Math.min(500, args.limit - out.length), cursor });
    for (const item of page.items) {
      // Deleted since the page was read (a clear or delete running alongside): not part of the export, not an error.
      const record = deps.recent.get(item.id) ?? (await history.reader.get(item.id));
      if (record !== null && record !== undefined) await add(record);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && out.length < args.limit);
  return out;
}

export const replayMethods = {
  'replay.send': method(
    z.strictObject({
      id: z.string().min(1),
      edit,
      listener: z.string().optional(),
      target: z.string().optional(),
      keepHost: z.boolean().optional(),
      dropMasked: z.boolean().optional(),
      insecure: z.boolean().optional(),
      timeoutMs: z.number().int().min(100).max(600_000).optional(),
    }),
    async (deps, { id, ...options }) => {
      const result = await replayExchange(await getExchange(deps, id), options, { engine: deps.engine });
      const { record, responseBody, ...rest } = result;
      const { bytes, ...body } = responseBody;
      return {
        ...rest,
        responseBody: { ...body, base64: bytes === null ? null : Buffer.from(bytes).toString('base64') },
        record: record === null ? null : await toWire(record),
      };
    },
  ),
  'diff.exchanges': method(
    z.strictObject({ a: z.string().min(1), b: z.string().min(1), ignoreHeaders: z.array(z.string()).optional() }),
    async (deps, { a, b, ignoreHeaders }) => diffExchanges(await getExchange(deps, a), await getExchange(deps, b), { ignoreHeaders }),
  ),
  'exchange.curl': method(z.strictObject({ id: z.string().min(1), multiline: z.boolean().optional() }), async (deps, { id, multiline }) => {
    const x = await getExchange(deps, id);
    // A compressed body is decoded to look for masks in zlib's thread pool, not on the gateway's thread.
    const bodyMasked = await bodyHasMaskedJwtAsync(x.requestBody, x.requestHeaders);
    // The Host names a route, not a server: send to the listener it came in on, Host explicit.
    const listener = listenerOrigin(deps.engine, x.listener);
    const caCert = listener?.localCa ? caPaths(deps.info.dataDir).certPath : undefined;
    return { command: toCurl(x, { multiline, bodyMasked, baseUrl: listener?.origin, caCert }) };
  }),
  'history.exportHar': method(
    z.union([
      z.strictObject({ ids: z.array(z.string()).min(1) }),
      z.strictObject({ query: z.string().default(''), limit: z.number().int().min(1).max(100_000).default(10_000) }),
    ]),
    async (deps, args) => {
      // A bad query is a 400 problem with its position, as for history.search.
      const entries = await reading(() => harEntries(deps, 'ids' in args ? { ids: args.ids, limit: args.ids.length } : args));
      const har = exportHar([], { version: deps.info.version });
      har.log.entries = entries;
      return har;
    },
  ),
  'history.importHar': method(z.strictObject({ har: z.union([z.string(), z.record(z.string(), z.unknown())]) }), async (deps, { har }) => {
    // With history off an import went only to the recent cache (2,000 at most, soon pushed out by traffic)
    // while the answer said every entry was imported.
    if (deps.history === null) throw new SwitchyardError('NOT_FOUND', 'History is switched off in this workspace (history.enabled: false): there is nowhere to import to.');
    const capture = deps.engine.current().plan.capture;
    // The gateway shares this thread: a large HAR is converted a slice at a time.
    const result = await importHarInSlices(har, { maxBodySize: capture.maxBodySize, mask: capture });
    for (const x of result.exchanges) deps.recent.add(x);
    // recordAll waits for the writer rather than shedding bodies or records like live capture does.
    const stored = await deps.history.recordAll(result.exchanges);
    const warnings = [...result.warnings];
    if (stored.withoutBody + stored.dropped > 0) warnings.push(`history kept ${stored.withoutBody} exchange(s) without bodies and could not store ${stored.dropped}`);
    return { imported: result.exchanges.length, ids: result.exchanges.map((x) => x.id), warnings };
  }),
};
