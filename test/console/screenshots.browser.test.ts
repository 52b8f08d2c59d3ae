// `npm run screenshots` keeps working: every console page renders at both widths in both languages (smoke run:
// nothing is written).
import { join } from 'node:path';
import { renderConsoleScreenshots } from '../../scripts/screenshots/console';

jest.setTimeout(240_000);

test('every console page renders at desktop and phone width in both languages', async () => {
  const files = await renderConsoleScreenshots(join(__dirname, 'never-written'), { smoke: true });
  const names = files.map((f) => f.split('/').pop());
  for (const page of ['login', 'orders', 'order', 'dashboard', 'statement', 'settlements', 'pos']) {
    for (const lang of ['en', 'zh-HK']) for (const vp of ['desktop', 'phone']) expect(names).toContain(`${page}-${lang}-${vp}.png`);
  }
  expect(names).toContain('menu-zh-HK-phone.png');
});
