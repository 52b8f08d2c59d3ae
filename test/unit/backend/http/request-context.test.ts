// The request context: an id per request (the caller's when well-formed), handlers' logs carrying it, and one
// access line per request at info; below info, no line.
import { Writable } from 'node:stream';
import Koa from 'koa';
import pino from 'pino';
import type { Logger } from '../../../../server/src/logger';
import { requestContext } from '../../../../server/src/http/request-id';
import { serve, type Served } from '../../../support/http';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

async function appWith(logger: Logger): Promise<Served> {
  const app = new Koa();
  app.use(requestContext(logger));
  app.use((ctx) => {
    if (ctx.path === '/logs') (ctx.state.log as Logger).warn({ step: 'handler' }, 'something worth a line');
    ctx.body = { id: ctx.state.requestId };
  });
  return serve(app.callback());
}

test('at info: one access line per request, and the handler logs with the request id', async () => {
  const { logger, lines } = capture('info');
  const s = await appWith(logger);
  try {
    const res = await fetch(`${s.url}/logs`, { headers: { 'X-Request-Id': 'caller-id.1' } });
    expect(res.headers.get('x-request-id')).toBe('caller-id.1');
    expect(await res.json()).toEqual({ id: 'caller-id.1' });
    await new Promise((r) => setImmediate(r));
    expect(lines).toEqual([
      expect.objectContaining({ requestId: 'caller-id.1', step: 'handler', msg: 'something worth a line' }),
      expect.objectContaining({ requestId: 'caller-id.1', method: 'GET', path: '/logs', status: 200, msg: 'request' }),
    ]);
    // A malformed id is replaced by one of ours.
    const other = await fetch(`${s.url}/quiet`, { headers: { 'X-Request-Id': 'bad id with spaces' } });
    const id = other.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setImmediate(r));
    expect(lines[2]).toMatchObject({ requestId: id, path: '/quiet', msg: 'request' });
  } finally {
    await s.close();
  }
});

test('at warn: no access line; what a handler logs still carries the request id', async () => {
  const { logger, lines } = capture('warn');
  const s = await appWith(logger);
  try {
    await fetch(`${s.url}/quiet`);
    const res = await fetch(`${s.url}/logs`);
    await new Promise((r) => setImmediate(r));
    expect(lines).toEqual([expect.objectContaining({ requestId: res.headers.get('x-request-id'), step: 'handler' })]);
  } finally {
    await s.close();
  }
});
