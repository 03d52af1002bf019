// Layer rules live here: the pure layers must not reach Electron or other processes' code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const noElectron = { name: 'electron', message: 'Only the Electron edge (src/main/index.ts, window.ts, security.ts, ipc/electron-*.ts, src/preload) may import electron.' };

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
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [noElectron],
        patterns: [
          { group: ['node:*'], message: 'src/shared runs in every process: no Node built-ins.' },
          { group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'src/shared imports nothing from the processes.' },
        ],
      }],
    },
  },
  {
    files: ['src/main/core/**/*.ts', 'src/main/things/**/*.ts', 'src/main/drivers/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [noElectron],
        patterns: [
          { group: ['**/ipc/**', '**/renderer/**', '**/preload/**'], message: 'The core does not know transports or the renderer.' },
        ],
      }],
    },
  },
  {
    files: ['src/main/ipc/**/*.ts'],
    ignores: ['src/main/ipc/electron-*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron], patterns: [{ group: ['**/renderer/**'], message: 'Main does not import renderer code.' }] }],
    },
  },
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
