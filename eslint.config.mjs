// Layer rules live here (DESIGN.md "Layers"): a lower layer never imports a higher one, and only
// the Electron edge imports electron. tests/lint/layers.test.ts plants forbidden imports and
// expects each to be reported.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const noElectron = { name: 'electron', message: 'Only the Electron edge (src/main/index.ts, window.ts, security.ts, notifications.ts, ipc/electron-*.ts, src/preload) may import electron.' };

/**
 * The main-process layers, lowest first: which files belong to each, and the import paths that
 * reach it (gitignore-style patterns matched against the import specifier). A file may import
 * its own layer and the ones below it, never one above.
 */
const LAYERS = [
  { name: 'shared', files: ['src/shared/**/*.ts'], reach: ['**/shared/**'] },
  { name: 'main/core', files: ['src/main/core/**/*.ts'], reach: ['**/core/**', '../core'] },
  { name: 'main/things', files: ['src/main/things/**/*.ts'], reach: ['**/things/**'] },
  { name: 'main/drivers', files: ['src/main/drivers/**/*.ts'], reach: ['**/drivers/**'] },
  { name: 'main/services', files: ['src/main/services/**/*.ts'], reach: ['**/services/**'] },
  { name: 'composition', files: ['src/main/app/**/*.ts', 'src/main/cli.ts'], reach: ['**/app/**', '**/cli'] },
  {
    name: 'transports',
    files: ['src/main/ipc/**/*.ts', 'src/main/serve.ts'],
    ignores: ['src/main/ipc/electron-*.ts'],
    reach: ['**/ipc/*', '!**/ipc/electron-*', '**/serve'],
  },
  {
    name: 'Electron edge',
    files: ['src/main/index.ts', 'src/main/window.ts', 'src/main/security.ts', 'src/main/notifications.ts', 'src/main/ipc/electron-*.ts', 'src/preload/**/*.ts'],
    reach: ['**/main/index', './index', '../index', '**/window', '**/security', '**/notifications', '**/ipc/electron-*', '**/preload/**'],
  },
];

function layerRules() {
  return LAYERS.map((layer, index) => {
    const above = LAYERS.slice(index + 1).map((higher) => ({
      group: higher.reach,
      message: `${layer.name} is below ${higher.name}: it must not import it (DESIGN.md, "Layers").`,
    }));
    const patterns = [...above, { group: ['**/renderer/**'], message: 'Main does not import renderer code.' }];
    if (layer.name === 'shared') {
      patterns.push(
        { group: ['node:*'], message: 'src/shared runs in every process: no Node built-ins.' },
        { group: ['**/main/**', '**/preload/**'], message: 'src/shared imports nothing from the processes.' },
      );
    }
    const paths = layer.name === 'Electron edge' ? [] : [noElectron];
    return {
      files: layer.files,
      ...(layer.ignores ? { ignores: layer.ignores } : {}),
      rules: { 'no-restricted-imports': ['error', { paths, patterns }] },
    };
  });
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerRules(),
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', {
        paths: [noElectron],
        patterns: [
          { group: ['**/main/**', '**/preload/**'], message: 'The renderer imports only src/shared and the LabApi type.' },
          { group: ['node:*'], message: 'The renderer runs in a browser.' },
        ],
      }],
    },
  },
);
