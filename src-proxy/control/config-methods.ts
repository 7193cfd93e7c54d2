/** Control methods for the workspace, listeners and upstreams. */
import { z } from 'zod';
import { SwitchyardError } from '../errors.js';
import { method } from './control-deps.js';

const none = z.strictObject({});

export const configMethods = {
  'app.info': method(none, ({ info }) => ({ name: 'Switchyard', version: info.version, dataDir: info.dataDir, node: process.versions.node })),
  'config.get': method(none, ({ workspace, engine }) => ({ text: workspace.text, file: workspace.file, generation: engine.current().generation })),
  'config.validate': method(z.strictObject({ text: z.string() }), ({ workspace }, { text }) => {
    const issues = workspace.validate(text);
    return { valid: !issues.some((i) => i.severity === 'error'), issues };
  }),
  'config.apply': method(z.strictObject({ text: z.string() }), ({ workspace }, { text }) => workspace.apply(text)),
  'listeners.list': method(none, ({ engine }) => engine.listeners()),
  'upstreams.status': method(none, ({ engine }) => engine.upstreamStatus()),
  'upstreams.setDrained': method(
    z.strictObject({ upstream: z.string(), target: z.string(), drained: z.boolean() }),
    ({ engine }, { upstream, target, drained }) => {
      if (!engine.setDrained(upstream, target, drained)) throw new SwitchyardError('NOT_FOUND', `No target "${target}" in upstream "${upstream}".`);
      return { ok: true };
    },
  ),
};
