// The catalog and customers on MongoDB.
import type { Connection } from 'mongoose';
import type { CustomerRepository, Product, ProductCatalog } from '../../domain/ports/catalog';
import { isDuplicateKeyError } from './errors';
import { customerModel } from './models/customer';
import { productModel, type ProductDoc } from './models/product';

const toProduct = ({ sku, name, description, price, currency, imageUrl, active, sort }: ProductDoc): Product => ({
  sku,
  name,
  ...(description ? { description } : {}),
  price,
  currency,
  ...(imageUrl ? { imageUrl } : {}),
  active,
  sort,
});

export function mongoCatalog(conn: Connection): ProductCatalog & { init(): Promise<unknown> } {
  const Product = productModel(conn);
  return {
    init: () => Product.init(),
    async active(currency) {
      return (await Product.find({ active: true, currency }).sort({ sort: 1, sku: 1 }).lean<ProductDoc[]>()).map(toProduct);
    },
    async findActive(skus) {
      return (await Product.find({ sku: { $in: skus }, active: true }).lean<ProductDoc[]>()).map(toProduct);
    },
  };
}

export function mongoCustomers(conn: Connection): CustomerRepository & { init(): Promise<unknown> } {
  const Customer = customerModel(conn);
  return {
    init: () => Customer.init(),
    async recordLogin(openid, unionid, now) {
      const remember = () =>
        Customer.updateOne(
          { openid },
          { $set: { lastLoginAt: now, ...(unionid ? { unionid } : {}) }, $setOnInsert: { firstLoginAt: now } },
          { upsert: true },
        );
      // Two first logins at once may both try the insert: the loser's retry is a plain update.
      await remember().catch((err) => (isDuplicateKeyError(err) ? remember() : Promise.reject(err)));
    },
  };
}
