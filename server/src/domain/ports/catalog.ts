// The shop's catalog and the customers who logged in.
import type { LocalizedText } from './orders';

export interface Product {
  sku: string;
  name: LocalizedText;
  description?: LocalizedText;
  price: number;
  currency: string;
  imageUrl?: string;
  active: boolean;
  sort: number;
}

export interface ProductCatalog {
  /** Active products in `currency`, in display order. */
  active(currency: string): Promise<Product[]>;
  /** Active products among `skus`. */
  findActive(skus: string[]): Promise<Product[]>;
}

export interface CustomerRepository {
  /** Records a login (first and last time; the unionid when WeChat gave one). */
  recordLogin(openid: string, unionid: string | undefined, now: Date): Promise<void>;
}
