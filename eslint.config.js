// Flat config: ESLint 9 + typescript-eslint "recommended" (syntax-only, no type-aware rules, so it stays fast).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores([
    'dist/',
    'out/',
    'node_modules/',
    'bench/results/',
    'scratch/',
    'test-results/',
    'playwright-report/',
    'coverage/',
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Everything except the renderer runs on Node.
    ignores: ['src-renderer/**'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      // The renderer reaches the engine only through WorkbenchClient; engine modules are types-only here.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'Electron is not available in the renderer; use window.switchyard via WorkbenchClient.' }],
          patterns: [
            {
              group: ['**/src-proxy/**', '**/src-main/**'],
              allowTypeImports: true,
              message: 'Import only types from the engine and hosts; call them through WorkbenchClient.',
            },
            { regex: '^(node:|electron/)', message: 'Node and Electron are not available in the renderer.' },
          ],
        },
      ],
    },
  },
);
