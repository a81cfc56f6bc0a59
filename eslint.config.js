import js from '@eslint/js';
import i18next from 'eslint-plugin-i18next';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const serverOnlyPackages = ['mediasoup', 'express', 'socket.io', 'ioredis', 'better-sqlite3', 'pino', 'prom-client', 'jose'];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'bench/results/**', '.test-results/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/no-floating-promises': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'No barrel re-exports: import from the module itself.' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  // Layering: shared imports neither side (zod is its only dependency).
  {
    files: ['shared/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!zod$|\\.{1,2}/)', message: 'shared/ depends on zod only.' },
            { group: ['**/server/**', '**/client/**', '@chunfeng/server*', '@chunfeng/client*'], message: 'shared/ imports neither side.' },
          ],
        },
      ],
    },
  },
  // The client never imports the server.
  {
    files: ['client/src/**'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: serverOnlyPackages.map((name) => ({ name, message: 'server-only package' })),
          patterns: [{ group: ['**/server/**', '@chunfeng/server*'], message: 'The client never imports the server.' }],
        },
      ],
    },
  },
  // User-visible text goes through i18n: no literal words in JSX (text, or attributes people read).
  {
    files: ['client/src/**/*.tsx'],
    plugins: { i18next },
    rules: {
      'i18next/no-literal-string': [
        'error',
        {
          mode: 'jsx-only',
          'jsx-attributes': {
            exclude: ['className', 'style', 'type', 'key', 'id', 'width', 'height', 'href', 'src', 'to', 'value', 'lang', 'role', 'as', 'tone', 'variant', 'size', 'kind', 'inputMode', 'autoComplete', 'preload', 'crossOrigin', 'path', 'labelledBy', 'backHref', '^data-', '^aria-(live|current|hidden|modal|haspopup|controls|describedby|labelledby|pressed|invalid|busy|expanded)$'],
          },
          // Content lists are joined with Chinese punctuation because the content is Chinese (lang=zh-CN).
          callees: { exclude: ['i18n(ext)?', 't', 'require', 'addEventListener', 'removeEventListener', 'includes', 'indexOf', 'startsWith', 'endsWith', 'api', 'join', 'download'] },
          words: { exclude: ['[0-9!-/:-@[-`{-~]+', '[A-Z_-]+', '[\\u2800-\\u28ff↑↓·–—×]+'] },
        },
      ],
    },
  },
  // The domain is pure: no transport, media or store adapters.
  {
    files: ['server/src/domain/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: serverOnlyPackages.map((name) => ({ name, message: 'The domain imports no adapters.' })),
          patterns: [
            { group: ['**/transport/**', '**/media/**', '**/store/**', 'redis', '@socket.io/*'], message: 'The domain imports no adapters.' },
          ],
        },
      ],
    },
  },
);
