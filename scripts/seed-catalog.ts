// `npm run seed`: puts a small zh-HK/en catalog into MONGODB_URI's database (upsert by sku, so it can run
// again). Prices are integers in the minor unit of CURRENCY (default HKD). Each product has a sample picture
// served by the backend (server/static/product-images, drawn by scripts/generate-images.ts); `imageUrl` is its
// path on the backend, which the Mini Program puts after its API base URL.
import { connectDatabase } from '../server/src/storage/mongo/connection';
import { productModel, type ProductDoc } from '../server/src/storage/mongo/models/product';

export const CATALOG: Omit<ProductDoc, 'currency'>[] = [
  {
    sku: 'milk-tea',
    imageUrl: '/images/products/milk-tea.png',
    name: { 'zh-HK': '港式奶茶', en: 'Hong Kong milk tea' },
    description: { 'zh-HK': '絲襪奶茶，熱或凍', en: 'Silk-stocking milk tea, hot or iced' },
    price: 2800,
    active: true,
    sort: 1,
  },
  {
    sku: 'pineapple-bun',
    imageUrl: '/images/products/pineapple-bun.png',
    name: { 'zh-HK': '菠蘿油', en: 'Pineapple bun with butter' },
    price: 1600,
    active: true,
    sort: 2,
  },
  {
    sku: 'egg-tart',
    imageUrl: '/images/products/egg-tart.png',
    name: { 'zh-HK': '蛋撻', en: 'Egg tart' },
    description: { 'zh-HK': '酥皮蛋撻', en: 'Flaky pastry egg tart' },
    price: 950,
    active: true,
    sort: 3,
  },
  {
    sku: 'wonton-noodles',
    imageUrl: '/images/products/wonton-noodles.png',
    name: { 'zh-HK': '鮮蝦雲吞麵', en: 'Shrimp wonton noodles' },
    price: 4200,
    active: true,
    sort: 4,
  },
  {
    sku: 'gift-card-500',
    imageUrl: '/images/products/gift-card-500.png',
    name: { 'zh-HK': '禮品卡 HK$500', en: 'Gift card HK$500' },
    price: 50000,
    active: true,
    sort: 5,
  },
];

export async function seedCatalog(uri: string, currency = 'HKD'): Promise<number> {
  const conn = await connectDatabase(uri);
  try {
    const Product = productModel(conn);
    await Product.init();
    for (const p of CATALOG) {
      await Product.updateOne({ sku: p.sku }, { $set: { ...p, currency } }, { upsert: true });
    }
    return CATALOG.length;
  } finally {
    await conn.close();
  }
}

if (require.main === module) {
  const uri = process.env.MONGODB_URI;
  if (!uri) {
    process.stderr.write('MONGODB_URI is required\n');
    process.exit(2);
  }
  seedCatalog(uri, process.env.CURRENCY ?? 'HKD')
    .then((n) => process.stdout.write(`seeded ${n} products\n`))
    .catch((err: Error) => {
      process.stderr.write(`seeding failed: ${err.message}\n`);
      process.exit(1);
    });
}
