/** Replay, diff and curl export of captured exchanges. */
export { replayExchange, type ReplayDeps, type ReplayOptions, type ReplayResult } from './replay.js';
export { buildReplayRequest, type HeaderEdits, type ReplayEdit, type ReplayRequest } from './build-request.js';
export { ReplayError, isReplayError, type MaskedFields, type ReplayFailure } from './errors.js';
export { diffExchanges, type DiffOptions, type ExchangeDiff, type ValueDiff, type Delta } from './diff.js';
export { diffBodies, type BodyDiff, type BodySide } from './body-diff.js';
export { diffHeaders, type HeaderDiff } from './header-diff.js';
export { diffJson, type JsonChange, type JsonDiff } from './json-diff.js';
export { diffText, formatUnified, type Hunk, type TextDiff, type TextDiffOptions } from './text-diff.js';
export { toCurl, MASK_PLACEHOLDER, type CurlOptions, type CurlRequest } from './curl.js';
export { shellQuote } from './shell-quote.js';
