// ESLint (flat config): typescript-eslint's recommended rules over the TypeScript in src, nodes,
// test and bench, and ESLint's recommended rules over the editor scripts inside nodes/*.html
// (eslint-plugin-html). Formatting is prettier's job (`npm run format:check`); eslint-config-prettier
// turns off the rules that would fight it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import html from 'eslint-plugin-html';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'test-artefacts/**', '.trailcam-demo/**'] },
  {
    files: ['src/**/*.ts', 'nodes/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    rules: {
      // `_name` marks a value that is deliberately unused (a destructured field left out, a callback argument).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Node-RED node constructors keep `const node = this` for their event handlers (Node-RED's own style).
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['node'] }],
      // A handler created before the peer it answers for (let x; ... closure uses x ...; x = await ...).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Tests load Node-RED's CommonJS modules and stubs by path at run time.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['nodes/**/*.html'],
    plugins: { html },
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2020, sourceType: 'script', globals: { ...globals.browser, ...globals.jquery, RED: 'readonly' } },
    // Node-RED 4.1 reads a validator's message only when it takes two arguments: `opt` stays, unused.
    rules: { 'no-unused-vars': ['error', { args: 'none' }] },
  },
  {
    files: ['scripts/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
  {
    files: ['eslint.config.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module' },
  },
  prettier,
);
