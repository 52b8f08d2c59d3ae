// Compiles the Mini Program with miniprogram-ci (the compiler WeChat DevTools uses), offline.
// Usage: node ci-compile.js <projectDir> <outJson>. Run as a child process: miniprogram-ci keeps
// handles open after it finishes.
//
// Offline: `attr` answers what miniprogram-ci would otherwise download for the appid, the private
// key is a throwaway one (only used to sign uploads, which never happen here), and every request
// it still tries (the extension whitelist) goes to a closed local port, so nothing leaves the machine.
const { generateKeyPairSync } = require('node:crypto');
const { writeFileSync } = require('node:fs');
const ci = require('miniprogram-ci');

async function main() {
  const [projectPath, outJson] = process.argv.slice(2);
  ci.proxy('http://127.0.0.1:9');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const project = new ci.Project({
    appid: 'touristappid',
    type: 'miniProgram',
    projectPath,
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    ignores: ['node_modules/**/*'],
    attr: async () => ({ platform: false, appType: 0, isSandbox: false, released: false, setting: {}, gameApp: false }),
  });
  const files = await ci.getCompiledResult({
    project,
    setting: { es6: true, enhance: true, minify: false, useCompilerPlugins: ['typescript'] },
  });
  const out = {};
  for (const [name, content] of Object.entries(files)) out[name] = Buffer.isBuffer(content) ? content.toString('utf8') : String(content);
  writeFileSync(outJson, JSON.stringify(out));
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`miniprogram-ci compile failed: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
