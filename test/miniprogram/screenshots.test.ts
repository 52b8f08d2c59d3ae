// The screenshot script (scripts/screenshots/miniprogram.ts) renders every page in both languages through
// miniprogram-simulate and Chromium; here without writing the pictures.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { renderMiniprogramScreenshots } from '../../scripts/screenshots/miniprogram';

test('every Mini Program page renders in English and zh-HK at 375 x 667', async () => {
  const out = join(__dirname, 'never-written');
  const shots = await renderMiniprogramScreenshots(out, { smoke: true });
  const pages = [...new Set(shots.map((s) => s.name))];
  expect(pages).toEqual(
    expect.arrayContaining(['catalog', 'checkout', 'pay', 'sandbox-cashier', 'result-paid', 'result-failed', 'orders', 'order-detail']),
  );
  expect(shots.filter((s) => s.lang === 'en').map((s) => s.name)).toEqual(shots.filter((s) => s.lang === 'zh-HK').map((s) => s.name));
  for (const s of shots) {
    expect(s.written).toBe(false);
    expect(s.bytes).toBeGreaterThan(5000); // a drawn page, not a blank one
  }
  expect(existsSync(out)).toBe(false);
}, 120000);
