#!/usr/bin/env node
// Entry point of the `wxpay` command; the TypeScript source runs through tsx.
'use strict';
require('tsx/cjs/api').register();
// `doctor` reads the backend's configuration and database, so it lives outside the client library.
const args = process.argv.slice(2);
const run =
  args[0] === 'doctor'
    ? () => require('../server/src/doctor/main.ts').doctorMain(args.slice(1))
    : () => require('../server/src/wechatpay/cli/main.ts').main(args);
run().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`wxpay: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 1;
  },
);
