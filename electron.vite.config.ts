import { builtinModules } from 'node:module';
import { resolve, sep } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { contentSecurityPolicy } from './src-main/electron/csp.js';

const root = import.meta.dirname;

/**
 * The renderer runs in a sandboxed page (or a plain browser in headless mode):
 * it may import only *types* from the engine. Type-only imports are erased
 * before resolution, so any src-proxy module that reaches this bundle is
 * runtime code and fails the build, as does any Node builtin or Electron.
 */
function rendererBoundary(): Plugin {
  const engineDir = resolve(root, 'src-proxy') + sep;
  const nodeOnly = new Set(['electron', ...builtinModules]);
  return {
    name: 'switchyard:renderer-boundary',
    enforce: 'pre',
    resolveId(source, importer) {
      if (importer && (source.startsWith('node:') || nodeOnly.has(source.split('/')[0]))) {
        this.error(`"${source}" (imported by ${importer}) is not available in the renderer.`);
      }
      return null;
    },
    load(id) {
      if (id.startsWith(engineDir)) {
        this.error(`${id} is engine runtime code; the renderer may only \`import type\` from src-proxy.`);
      }
      return null;
    },
  };
}

/** Write the CSP from src-main/electron/csp.ts into index.html (relaxed for the dev server's HMR). */
function rendererCsp(): Plugin {
  let dev = false;
  return {
    name: 'switchyard:renderer-csp',
    configResolved(config) {
      dev = config.command === 'serve';
    },
    transformIndexHtml(html) {
      const meta = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")[^"]*(")/i;
      if (!meta.test(html)) throw new Error('src-renderer/index.html must carry a Content-Security-Policy <meta> tag.');
      return html.replace(meta, `$1${contentSecurityPolicy({ dev, meta: true })}$2`);
    },
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      rolldownOptions: {
        input: { index: resolve(root, 'src-main/electron/main.ts') },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      rolldownOptions: {
        input: { index: resolve(root, 'src-main/electron/preload.ts') },
        // Sandboxed preloads run as CommonJS; .cjs keeps Node's "type": "module" out of it.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    plugins: [rendererBoundary(), rendererCsp(), react()],
    resolve: {
      alias: [
        // monaco-editor ≥ 0.56 maps `monaco-editor/*` to `esm/vs/*` in its exports, so the
        // old deep path that monaco-yaml's worker still imports
        // (`monaco-editor/esm/vs/editor/editor.worker.js`) no longer resolves. Point it at the file.
        { find: /^monaco-editor\/esm\/vs\//, replacement: resolve(root, 'node_modules/monaco-editor/esm/vs') + '/' },
      ],
    },
    // Monaco's and monaco-yaml's workers are ES modules (code-split, `type: 'module'`).
    worker: { format: 'es' },
    build: {
      outDir: resolve(root, 'out/renderer'),
      // The same bundle is served to browsers by `switchyard serve`: Monaco is big, minify it.
      minify: true,
      // Monaco's editor chunk is several MB by nature (lazy-loaded with the Routes view).
      chunkSizeWarningLimit: 4096,
      rolldownOptions: {
        input: resolve(root, 'src-renderer/index.html'),
      },
    },
  },
});
