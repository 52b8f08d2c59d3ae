// jsdom (for miniprogram-simulate) plus Node's own network and encoding globals, so the end-to-end test
// can start the real stack and reach it over real HTTP from the same realm as the pages.
const { TestEnvironment } = require('jest-environment-jsdom');

const NODE_GLOBALS = [
  'fetch',
  'Request',
  'Response',
  'Headers',
  'FormData',
  'AbortController',
  'AbortSignal',
  'TextEncoder',
  'TextDecoder',
  'structuredClone',
  'setImmediate',
  'clearImmediate',
  'ReadableStream',
  'WritableStream',
  'TransformStream',
  'Blob',
  'Buffer',
];

class JsdomWithNodeNetwork extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    // Node's package entry points (mongodb/bson ship a browser build under the "browser" condition).
    this.customExportConditions = ['node', 'node-addons', 'require', 'default'];
    // mongoose (seeding a staff user) warns about jsdom; here it talks to a real database on purpose.
    this.global.process.env.SUPPRESS_JEST_WARNINGS = 'true';
    for (const name of NODE_GLOBALS) {
      if (globalThis[name] !== undefined) this.global[name] = globalThis[name];
    }
  }
}

module.exports = JsdomWithNodeNetwork;
