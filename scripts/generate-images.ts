// Draws the sample product pictures (served by the backend) and the Mini Program's tab bar icons as small
// PNG files, from the SVG below, through Chromium. Run once, and again only when a drawing changes:
//   npx tsx scripts/generate-images.ts
// The PNGs are committed; nothing at run time or in the tests needs Chromium for them.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = join(__dirname, '..');
export const PRODUCT_IMAGE_DIR = join(ROOT, 'server', 'static', 'product-images');
export const TAB_ICON_DIR = join(ROOT, 'miniprogram', 'images');

const PRODUCT_SIZE = 240;
const ICON_SIZE = 81; // WeChat recommends 81x81 px for tab bar icons

/** Flat sample pictures, 240x240, one per seeded sku (scripts/seed-catalog.ts). */
const PRODUCTS: Record<string, string> = {
  'milk-tea': `
    <rect width="240" height="240" fill="#f3e6d3"/>
    <ellipse cx="120" cy="198" rx="78" ry="14" fill="#e2cfb4"/>
    <path d="M72 70 L168 70 L156 196 Q120 206 84 196 Z" fill="#ffffff" stroke="#d9c3a5" stroke-width="4"/>
    <path d="M78 100 L162 100 L155 190 Q120 199 85 190 Z" fill="#b98a5a"/>
    <ellipse cx="120" cy="100" rx="42" ry="8" fill="#cfa278"/>
    <path d="M168 96 q34 6 28 40 q-6 28 -34 26" fill="none" stroke="#d9c3a5" stroke-width="9" stroke-linecap="round"/>
    <path d="M104 40 q-10 12 0 22 M124 34 q-10 14 0 26 M144 40 q-10 12 0 22" fill="none" stroke="#c9b59b" stroke-width="5" stroke-linecap="round"/>`,
  'pineapple-bun': `
    <rect width="240" height="240" fill="#fdf0d5"/>
    <ellipse cx="120" cy="186" rx="88" ry="16" fill="#ecd9b0"/>
    <path d="M36 160 Q36 76 120 72 Q204 76 204 160 Z" fill="#e9a23b"/>
    <path d="M46 150 Q48 90 120 86 Q192 90 194 150 Z" fill="#f4c25b"/>
    <path d="M70 100 L170 150 M60 128 L140 168 M100 90 L190 136 M170 100 L70 150 M180 128 L100 168 M140 90 L50 136" stroke="#d98c28" stroke-width="4"/>
    <rect x="32" y="156" width="176" height="20" rx="10" fill="#f7d98f"/>
    <rect x="84" y="146" width="72" height="16" rx="4" fill="#fff6c8" stroke="#ead98a" stroke-width="2"/>`,
  'egg-tart': `
    <rect width="240" height="240" fill="#fbeedd"/>
    <ellipse cx="120" cy="182" rx="86" ry="18" fill="#ecd6b8"/>
    <path d="M34 120 L58 178 Q120 196 182 178 L206 120 Z" fill="#d99a4e"/>
    <path d="M44 128 L64 172 M76 132 L86 182 M108 134 L110 186 M132 134 L130 186 M164 132 L154 182 M196 128 L176 172" stroke="#c07f36" stroke-width="4"/>
    <ellipse cx="120" cy="120" rx="86" ry="26" fill="#e8ad5f"/>
    <ellipse cx="120" cy="118" rx="70" ry="19" fill="#ffd54a"/>
    <ellipse cx="100" cy="112" rx="18" ry="5" fill="#ffe68c"/>`,
  'wonton-noodles': `
    <rect width="240" height="240" fill="#e6efe9"/>
    <path d="M150 30 L200 120 M168 26 L212 112" stroke="#8d6e4c" stroke-width="7" stroke-linecap="round"/>
    <path d="M30 118 L210 118 Q204 196 120 200 Q36 196 30 118 Z" fill="#ffffff" stroke="#c94c4c" stroke-width="5"/>
    <path d="M40 134 L200 134" stroke="#c94c4c" stroke-width="4" stroke-dasharray="10 8"/>
    <ellipse cx="120" cy="118" rx="90" ry="20" fill="#f1d28a"/>
    <path d="M44 118 q16 -14 32 0 t32 0 t32 0 t32 0 t32 0" fill="none" stroke="#e5b85c" stroke-width="5"/>
    <circle cx="92" cy="108" r="16" fill="#fbe7d2" stroke="#e0bfa0" stroke-width="3"/>
    <circle cx="138" cy="104" r="16" fill="#fbe7d2" stroke="#e0bfa0" stroke-width="3"/>
    <circle cx="168" cy="116" r="6" fill="#4caf50"/><circle cx="70" cy="118" r="5" fill="#4caf50"/>`,
  'gift-card-500': `
    <rect width="240" height="240" fill="#e8eef8"/>
    <rect x="28" y="64" width="184" height="116" rx="14" fill="#07c160"/>
    <rect x="28" y="64" width="184" height="116" rx="14" fill="url(#shine)"/>
    <rect x="150" y="64" width="18" height="116" fill="#f7d34a"/>
    <rect x="28" y="104" width="184" height="16" fill="#f7d34a"/>
    <path d="M159 104 q-30 -34 -40 -8 q-4 12 40 8 q30 -34 40 -8 q4 12 -40 8" fill="none" stroke="#e0a800" stroke-width="6"/>
    <text x="48" y="162" font-family="sans-serif" font-size="30" font-weight="700" fill="#ffffff">500</text>
    <defs><linearGradient id="shine" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#fff" stop-opacity="0.18"/><stop offset="1" stop-color="#000" stop-opacity="0.08"/></linearGradient></defs>`,
};

const GREY = '#7a7e83';
const GREEN = '#07c160';

/** Tab bar icons: 81x81 drawn on a 24-unit grid (outline when inactive, filled when selected). */
const ICONS: Record<string, (colour: string, filled: boolean) => string> = {
  shop: (c, filled) => `
    <path d="M5 8 H19 L18 21 H6 Z" fill="${filled ? c : 'none'}" stroke="${c}" stroke-width="1.6" stroke-linejoin="round"/>
    <path d="M9 8 V6.5 a3 3 0 0 1 6 0 V8" fill="none" stroke="${c}" stroke-width="1.6" stroke-linecap="round"/>
    <path d="M9 11.5 a3 3 0 0 0 6 0" fill="none" stroke="${filled ? '#fff' : c}" stroke-width="1.6" stroke-linecap="round"/>`,
  orders: (c, filled) => `
    <rect x="5" y="3.5" width="14" height="17" rx="2" fill="${filled ? c : 'none'}" stroke="${c}" stroke-width="1.6"/>
    <path d="M8.5 8.5 H15.5 M8.5 12 H15.5 M8.5 15.5 H13" stroke="${filled ? '#fff' : c}" stroke-width="1.6" stroke-linecap="round"/>`,
};

async function main(): Promise<void> {
  mkdirSync(PRODUCT_IMAGE_DIR, { recursive: true });
  mkdirSync(TAB_ICON_DIR, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({ deviceScaleFactor: 1 });
    const draw = async (svg: string, size: number, viewBox: string, out: string, transparent: boolean) => {
      await page.setViewportSize({ width: size, height: size });
      await page.setContent(
        `<html><body style="margin:0;background:transparent"><svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="${viewBox}">${svg}</svg></body></html>`,
      );
      writeFileSync(out, await page.locator('svg').screenshot({ omitBackground: transparent, type: 'png' }));
      process.stdout.write(`${out.slice(ROOT.length + 1)} ${statSync(out).size} bytes\n`);
    };
    for (const [sku, svg] of Object.entries(PRODUCTS)) {
      await draw(svg, PRODUCT_SIZE, '0 0 240 240', join(PRODUCT_IMAGE_DIR, `${sku}.png`), false);
    }
    for (const [name, icon] of Object.entries(ICONS)) {
      await draw(icon(GREY, false), ICON_SIZE, '0 0 24 24', join(TAB_ICON_DIR, `tab-${name}.png`), true);
      await draw(icon(GREEN, true), ICON_SIZE, '0 0 24 24', join(TAB_ICON_DIR, `tab-${name}-active.png`), true);
    }
  } finally {
    await browser.close();
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
