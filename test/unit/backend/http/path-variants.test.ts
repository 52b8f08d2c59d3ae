// Every guarded route of shared/api.ts, spelled every way a client could: case variants, trailing and double
// slashes, encoded slashes, dot segments. Without a token and with the wrong audience or role, the answer is
// 401, 403, 404 or 405: never a 2xx (a skipped guard) and never a 5xx.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { signToken } from '../../../../server/src/auth/jwt';
import { serve, type Served } from '../../../support/http';
import { TEST_ENV, testBackend } from '../../../support/backend-app';

const OPEN = new Set(['/api/auth/login', '/api/config', '/api/products', '/api/admin/login', '/api/sandbox/login-code']);

function routes(): { method: string; path: string }[] {
  const text = readFileSync(resolve(__dirname, '../../../../shared/api.ts'), 'utf8');
  const out = new Map<string, { method: string; path: string }>();
  for (const m of text.matchAll(/\b(GET|POST) (\/api\/[\w/:.-]+)(?: and (\/api\/[\w/:.-]+))?/g)) {
    for (const p of [m[2], m[3]]) {
      if (!p) continue;
      const path = p
        .replace(/:id\b/g, '0123456789abcdef01234567')
        .replace(/:date\b/g, '20240101')
        .replace(/\.$/, '');
      if (!OPEN.has(path)) out.set(`${m[1]} ${path}`, { method: m[1]!, path });
    }
  }
  return [...out.values()];
}

function variants(path: string): string[] {
  const segs = path.split('/').slice(1);
  const v = new Set<string>([
    path,
    path.toUpperCase(),
    '/' + segs.map((s) => s.charAt(0).toUpperCase() + s.slice(1)).join('/'),
    path + '/',
    path + '//',
    path.replace('/api/', '//api/'),
    path.replace('/api/', '/api//'),
    '/' + segs.join('//'),
    path.replace(/\/([^/]+)$/, '%2F$1'),
    path.replace('/api/', '/api%2F'),
    path.replace('/api/', '/api/./'),
    path.replace('/api/', '/api/x/../'),
    path.replace('/api/', '/api/%2e/'),
    path.replace('/api/', '/api/x/%2e%2e/'),
    '/.' + path,
    path + '/.',
    path.replace('/api', '/%61pi'),
  ]);
  return [...v];
}

function send(url: string, method: string, path: string, headers: Record<string, string>): Promise<number> {
  const u = new URL(url);
  return new Promise((done, fail) => {
    const req = request(
      { host: u.hostname, port: u.port, method, path, headers: { ...headers, 'Content-Type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
      },
    );
    req.on('error', fail);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

let served: Served;
let customer: string;
let viewer: string;
let cashier: string;

beforeAll(async () => {
  const backend = testBackend({ env: { SANDBOX: 'true' } });
  await backend.accounts.create('viewer1', 'viewer-password-123', 'viewer');
  await backend.accounts.create('cashier1', 'cashier-password-123', 'cashier');
  served = await serve(backend.app.callback());
  customer = signToken(TEST_ENV.JWT_SECRET, { sub: 'openid-1', aud: 'customer' }, 600);
  viewer = signToken(TEST_ENV.JWT_SECRET, { sub: 'viewer1', aud: 'staff', role: 'viewer' }, 600);
  cashier = signToken(TEST_ENV.JWT_SECRET, { sub: 'cashier1', aud: 'staff', role: 'cashier' }, 600);
});
afterAll(() => served.close());

const DENIED = [401, 403, 404, 405];

test('the sweep covers the guarded routes', () => {
  const paths = routes().map((r) => `${r.method} ${r.path}`);
  expect(paths).toEqual(expect.arrayContaining(['POST /api/orders', 'GET /api/admin/orders', 'POST /api/admin/pos/charge']));
  expect(paths.length).toBeGreaterThanOrEqual(10);
});

test('no token: every spelling of every guarded route is refused, never a 5xx', async () => {
  const bad: string[] = [];
  for (const r of routes()) {
    for (const p of variants(r.path)) {
      const status = await send(served.url, r.method, p, {});
      if (!DENIED.includes(status)) bad.push(`${r.method} ${p} -> ${status}`);
    }
  }
  expect(bad).toEqual([]);
});

test('the wrong audience or role: refused on every spelling, never a 5xx', async () => {
  const bad: string[] = [];
  for (const r of routes()) {
    const isAdmin = r.path.toLowerCase().startsWith('/api/admin/');
    // A customer token on staff routes; a staff token on customer routes; a viewer on what viewers may not do.
    const tries: string[] = isAdmin ? [customer] : [viewer, cashier];
    const viewerRefused = /\/refunds$|\/pos\/|\/close$|\/sync$|\/reverse$/.test(r.path) && r.method === 'POST';
    if (isAdmin && viewerRefused) tries.push(viewer);
    for (const token of tries) {
      for (const p of variants(r.path)) {
        const status = await send(served.url, r.method, p, { Authorization: `Bearer ${token}` });
        if (!DENIED.includes(status)) bad.push(`${r.method} ${p} (${token === customer ? 'customer' : 'staff'}) -> ${status}`);
      }
    }
  }
  expect(bad).toEqual([]);
});
