// ESLint (flat config): typescript-eslint's recommended rules over the TypeScript in src, nodes,
// test and bench, and ESLint's recommended rules over the editor scripts inside nodes/*.html
// (eslint-plugin-html). Formatting is prettier's job (`npm run format:check`); eslint-config-prettier
// turns off the rules that would fight it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import html from 'eslint-plugin-html';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'test-artefacts/**', '.trailcam-demo/**'] },
  {
    files: ['src/**/*.ts', 'nodes/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
  },
  {
    files: ['nodes/**/*.html'],
    plugins: { html },
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2020, sourceType: 'script', globals: { RED: 'readonly', $: 'readonly', window: 'readonly', document: 'readonly', console: 'readonly' } },
  },
  {
    files: ['scripts/**/*.js', 'eslint.config.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
  prettier,
);
