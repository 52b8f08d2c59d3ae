// The console is served by the backend app itself (createApp), over real HTTP.
import { CONSOLE_CSP } from '../../server/src/http/routes/console';
import { testBackend } from '../support/backend-app';
import { serve, type Served } from '../support/http';

let server: Served;

beforeAll(async () => {
  server = await serve(testBackend().app.callback()); // /admin/ touches no database
});
afterAll(async () => {
  await server.close();
});

async function index(): Promise<{ res: Response; html: string; js: string; css: string }> {
  const res = await fetch(`${server.url}/admin/`);
  const html = await res.text();
  const js = /<script src="(app\.[0-9a-f]{12}\.js)" defer><\/script>/.exec(html)?.[1] ?? '';
  const css = /<link rel="stylesheet" href="(app\.[0-9a-f]{12}\.css)">/.exec(html)?.[1] ?? '';
  return { res, html, js, css };
}

describe('GET /admin/', () => {
  it('serves index.html with a strict CSP, revalidated on every load', async () => {
    const { res, html, js, css } = await index();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(CONSOLE_CSP);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(js).not.toBe('');
    expect(css).not.toBe('');
    // No inline script or style anywhere: the CSP would block it, so it must not be needed.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|<style/);
  });

  it('serves the hashed bundle and stylesheet with their types, cached for a year', async () => {
    const { js, css } = await index();
    const jsRes = await fetch(`${server.url}/admin/${js}`);
    expect(jsRes.status).toBe(200);
    expect(jsRes.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(jsRes.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const code = await jsRes.text();
    expect(code).toContain('/api/admin/login');
    expect(code).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    const cssRes = await fetch(`${server.url}/admin/${css}`);
    expect(cssRes.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(cssRes.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await cssRes.text()).toContain('.topbar');
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await fetch(`${server.url}/admin/`);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(`${server.url}/admin/`, { headers: { 'If-None-Match': etag ?? '' } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('redirects /admin to /admin/', async () => {
    const res = await fetch(`${server.url}/admin`, { redirect: 'manual' });
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('/admin/');
  });

  it.each(['/admin/app.js', '/admin/nope.html', '/admin/..%2Fpackage.json', '/admin/src/main.ts', '/admin/build.ts'])(
    'answers 404 {code, message} for %s',
    async (path) => {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'NOT_FOUND', message: expect.any(String) });
    },
  );
});
