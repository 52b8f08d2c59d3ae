// Customer login: a wx.login code -> openid at jscode2session -> a customer JWT. The customer is remembered
// (first and last login) through the domain's repository; session_key never leaves code2session.
import type { LoginResponse } from '../../../shared/api';
import type { CustomerRepository } from '../domain/ports/catalog';
import { code2session, type Code2SessionOptions } from './code2session';
import { signToken } from './jwt';

export interface CustomerLoginOptions {
  customers: CustomerRepository;
  jwtSecret: string;
  ttlSeconds: number;
  wechat: Code2SessionOptions;
  now?: () => Date;
}

export class CustomerLogin {
  constructor(private readonly deps: CustomerLoginOptions) {}

  async login(code: string): Promise<LoginResponse> {
    const { openid, unionid } = await code2session(this.deps.wechat, code);
    await this.deps.customers.recordLogin(openid, unionid, (this.deps.now ?? (() => new Date()))());
    return {
      token: signToken(this.deps.jwtSecret, { sub: openid, aud: 'customer' }, this.deps.ttlSeconds),
      expiresIn: this.deps.ttlSeconds,
    };
  }
}
