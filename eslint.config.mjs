import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Architecture rules. Metrics are named and labelled by spec in one module per service (DESIGN §2.6),
// and the environment is read once, at the edge, then validated and frozen as config.
const promClient = {
  name: 'prom-client',
  message: 'Only a service metrics.ts module may use prom-client.',
};
const envMessage = 'Read process.env only in src/lib/config*, src/cli/, test/, bench/, scripts/.';
const envImports = ['process', 'node:process'].map((name) => ({
  name,
  importNames: ['env'],
  message: envMessage,
}));
const envSyntax = [
  { selector: "MemberExpression[object.name='process'][property.name='env']", message: envMessage },
  {
    selector: "VariableDeclarator[init.name='process'] > ObjectPattern > Property[key.name='env']",
    message: envMessage,
  },
];
// Flat config replaces a rule's options wholesale, so each scope restates what it still forbids.
const restrictImports = (...paths) => ['error', { paths }];

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'native/target/', '**/*.node'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      'no-restricted-imports': restrictImports(promClient, ...envImports),
      'no-restricted-syntax': ['error', ...envSyntax],
    },
  },
  {
    files: ['**/metrics.ts'],
    rules: { 'no-restricted-imports': restrictImports(...envImports) },
  },
  {
    files: ['src/lib/config*', 'src/lib/config*/**', 'src/cli/**', 'test/**', 'bench/**'],
    rules: {
      'no-restricted-imports': restrictImports(promClient),
      'no-restricted-syntax': 'off',
    },
  },
  {
    // Build and CI helpers run before anything is compiled, so they stay plain, untyped JS.
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  prettier,
);
