// ESLint's flat config (`make lint`). The employees' app script and the sandbox's mailbox
// script are plain browser JavaScript, served or inlined as they are written (no build step),
// so they are checked as classic scripts in a browser.
// eslint 9, not 10: it still runs on Debian 12's Node 18, which `make lint` installs when a
// machine has no Node.
const js = require('@eslint/js');
const globals = require('globals');

module.exports = [
  // Only what `npm run lint` names is linted; never the virtualenv's or the build's files.
  {ignores: ['.venv/', 'build/', '.sandbox/', 'node_modules/']},
  js.configs.recommended,
  {
    files: ['handlers/web/static/**/*.js', 'sandbox/static/**/*.js'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'script',
      globals: globals.browser,
    },
    linterOptions: {reportUnusedDisableDirectives: 'error'},
    rules: {
      strict: ['error', 'function'],
      'no-implicit-globals': 'error',
      eqeqeq: 'error',
      'no-var': 'error',
      'prefer-const': 'error',
      'no-shadow': 'error',
      'no-use-before-define': ['error', {functions: false, classes: true, variables: true}],
      'no-unused-vars': ['error', {caughtErrors: 'none'}],
    },
  },
  {
    files: ['eslint.config.js'],
    languageOptions: {sourceType: 'commonjs', globals: globals.node},
  },
];
