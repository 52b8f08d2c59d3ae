#!/usr/bin/env node
// Entry point of the `wxpay` command; the TypeScript source runs through tsx.
'use strict';
require('tsx/cjs/api').register();
const { main } = require('../server/src/wechatpay/cli/main.ts');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`wxpay: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 1;
  },
);
