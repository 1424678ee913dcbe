import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'bench/results.json', '.bench/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // A function reads top-down as named steps; longer than a screen, it is split.
    files: ['functions/**/*.ts', 'dev/**/*.ts', 'infra/**/*.ts', 'operator/**/*.ts', 'bin/**/*.ts', 'bench/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 60 }] },
  },
  {
    // A Lambda's file is read in one sitting: past 300 lines it holds more than one concern.
    files: ['functions/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 300 }] },
  },
  {
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/infra/**', '**/dev/**', '**/operator/**', '**/bin/**', '**/bench/**'] }],
    },
  },
);
