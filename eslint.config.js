// Lint rules for every project in the workspace. A new package or service is covered by being
// under packages/ or services/: no per-project wiring.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', 'data/**', '.nx/**', 'tmp/**', '**/*.d.ts'],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      // Module boundaries (STYLE §1): packages never import services; services never import
      // each other (they talk through the broker); only the composition root (type:app, the
      // CLI) may import services. Deep imports past a project's index are refused too.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allowCircularSelfDependency: false,
          banTransitiveDependencies: false,
          checkNestedExternalImports: false,
          depConstraints: [
            { sourceTag: 'type:package', onlyDependOnLibsWithTags: ['type:package'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:package'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:package', 'type:service'] },
            { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:package', 'type:service', 'type:app'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@talkbus/*/src/*', '@talkbus/*/src'],
              message: 'Import a package by its name only (its index.ts is its API).',
            },
          ],
        },
      ],
    },
  },
  prettier,
);
