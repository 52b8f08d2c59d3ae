// ESLint flat config. Formatting belongs to Prettier (eslint-config-prettier turns off the rules that would fight it).
// typescript-eslint `recommended` only (not the type-checked set), so a full run stays fast.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------------------------
// Architecture boundaries, enforced with `no-restricted-imports`.
//
// The rule sees the import string, not the resolved file, and a relative path to a given folder depends on how
// deep the importing file sits. So the config is generated per depth: for a file `depth` folders below an area
// root, the prefix back up to that root is known exactly, and each pattern is an anchored regex on it. This avoids
// both misses ('../../../models/order' from http/routes/admin) and false hits (a sibling folder that happens to be
// called 'models'). The core rule also reports `import type` and `export ... from`; `import('...')` expressions
// and `import('...')` types are covered by the `no-restricted-syntax` selectors built from the same regexes.
// ---------------------------------------------------------------------------------------------------------------

const MAX_DEPTH = 6;
/** Regex source for exactly `n` leading '../' segments. */
const up = (n) => `(?:\\.\\./){${n}}`;
const dirs = (names) => `(?:${names.join('|')})(?:/|$)`;

// Each function gets `k`: how many '../' lead from the importing file back to server/src.
const rules = {
  // Everything under server/src: nothing from tools/, scripts/ or server/sandbox/.
  src: (k) => [
    { regex: `^${up(k + 2)}${dirs(['tools', 'scripts'])}`, message: 'server/src must not depend on tools/ or scripts/.' },
    { regex: `^${up(k + 1)}sandbox(?:/|$)|^${up(k + 2)}server/sandbox(?:/|$)`, message: 'server/src must not depend on server/sandbox.' },
  ],
  http: (k) => [
    { group: ['mongoose', 'mongoose/*'], message: 'HTTP code must not use mongoose: go through a domain service.' },
    {
      regex: `^${up(k)}${dirs(['models', 'storage'])}`,
      message: 'HTTP code must not import models or storage: go through a domain service.',
    },
  ],
  domain: (k) => [
    {
      group: ['mongoose', 'mongoose/*', 'koa', 'koa/*', '@koa/*', 'koa-*'],
      message: 'The domain layer must not depend on mongoose or Koa.',
    },
    {
      regex: `^${up(k)}${dirs(['models', 'storage', 'http', 'db'])}`,
      message: 'The domain layer must not import models, storage, db or http (type-only imports included).',
    },
    {
      regex: `^${up(k)}wechatpay(?:/|$)`,
      message: 'The domain layer must not import the WeChat Pay client library (type-only imports included): use payment-gateway.',
    },
  ],
  // The client library stands alone: nothing from server/src outside server/src/wechatpay (k >= 1 here). Paths that
  // leave server/src altogether (shared/, node_modules) are not covered by this rule, unless they come back into it.
  wechatpay: (k) => [
    {
      regex: `^${up(k - 1)}\\.\\.(?:$|/(?!wechatpay(?:/|$)|\\.\\.(?:/|$)))|^${up(k + 1)}src(?:/|$)|^${up(k + 2)}server/src(?:/|$)`,
      message: 'server/src/wechatpay is a standalone library: no imports from the rest of server/src.',
    },
  ],
};

/** The same restrictions for `import('...')` expressions and `import('...')` types, which the core rule does not see. */
function syntaxFor(patterns) {
  const parts = patterns.flatMap((p) => (p.regex ? [p.regex] : p.group.map((g) => `^${g.replace('*', '.*')}$`)));
  const re = `/${parts.join('|').replace(/\//g, '\\/')}/`;
  return [
    { selector: `ImportExpression[source.value=${re}]`, message: 'Restricted import (architecture rules in eslint.config.mjs).' },
    { selector: `TSImportType[source.value=${re}]`, message: 'Restricted type import (architecture rules in eslint.config.mjs).' },
  ];
}

function architectureBlocks() {
  const areas = [
    { name: 'src', root: 'server/src', k0: 0, extra: null }, // must come first: the more specific areas below override it
    { name: 'http', root: 'server/src/http', k0: 1, extra: rules.http },
    { name: 'domain', root: 'server/src/domain', k0: 1, extra: rules.domain },
    { name: 'wechatpay', root: 'server/src/wechatpay', k0: 1, extra: rules.wechatpay },
  ];
  const blocks = [];
  for (const area of areas) {
    for (let d = 0; d <= MAX_DEPTH; d++) {
      const k = area.k0 + d;
      const patterns = [...rules.src(k), ...(area.extra ? area.extra(k) : [])];
      const glob = `${area.root}/${'*/'.repeat(d)}*.{ts,mts,cts,js,mjs,cjs}`;
      blocks.push({
        name: `architecture/${area.name}/depth-${d}`,
        files: [glob],
        rules: {
          'no-restricted-imports': ['error', { patterns }],
          'no-restricted-syntax': ['error', ...syntaxFor(patterns)],
        },
      });
    }
  }
  return blocks;
}

export default defineConfig(
  {
    name: 'ignores',
    ignores: ['**/node_modules/**', '.tools/**', '.tools', '.dev/**', '.data/**', '**/dist/**', 'coverage/**', 'miniprogram/generated/**'],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    name: 'project rules',
    rules: {
      // The code marks deliberately unused bindings with a leading underscore, and drops keys with rest siblings.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    name: 'globals',
    languageOptions: { globals: { ...globals.node } },
  },
  {
    name: 'browser (staff console)',
    files: ['server/console/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    name: 'jest',
    files: ['test/**'],
    languageOptions: { globals: { ...globals.jest } },
  },
  {
    name: 'commonjs',
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...architectureBlocks(),
  {
    // The port is the one domain file that names the client library: its wire types and its error type.
    name: 'architecture/domain/payment-gateway-port',
    files: ['server/src/domain/ports/payment-gateway.ts'],
    rules: (() => {
      const patterns = [...rules.src(2), ...rules.domain(2).filter((p) => !String(p.regex ?? '').includes('wechatpay'))];
      return { 'no-restricted-imports': ['error', { patterns }], 'no-restricted-syntax': ['error', ...syntaxFor(patterns)] };
    })(),
  },
  {
    // Tests load modules again after jest.resetModules (require) and read untyped JSON answers; the Mini Program
    // screenshots load the page simulator only once a DOM exists (require).
    name: 'tests',
    files: ['test/**', 'scripts/screenshots/**'],
    rules: { '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  prettier,
);
