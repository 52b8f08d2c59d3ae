// The catalog: the only source of prices. Prices are integers in the minor unit of `currency`.
import { Schema, type Connection, type Model } from 'mongoose';
import type { Product } from '../../../domain/ports/catalog';
import type { LocalizedText } from '../../../domain/ports/orders';

export type ProductDoc = Product;

const localized = new Schema<LocalizedText>(
  { 'zh-HK': { type: String, required: true }, en: { type: String, required: true } },
  { _id: false },
);

export const SKU_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;

export const productSchema = new Schema<ProductDoc>(
  {
    sku: { type: String, required: true, match: SKU_PATTERN },
    name: { type: localized, required: true },
    description: { type: localized },
    price: { type: Number, required: true, min: 1, validate: Number.isInteger },
    currency: { type: String, required: true, match: /^[A-Z]{3}$/ },
    imageUrl: { type: String },
    active: { type: Boolean, required: true, default: true },
    sort: { type: Number, default: 0 },
  },
  { collection: 'products', timestamps: true, strict: 'throw', versionKey: false },
);
productSchema.index({ sku: 1 }, { unique: true });

export type ProductModel = Model<ProductDoc>;
export function productModel(conn: Connection): ProductModel {
  return (conn.models.Product as ProductModel | undefined) ?? conn.model<ProductDoc>('Product', productSchema);
}
