// The seeds' optional fields at the domain edge: what the adapter sends (goods_detail, attach, scene_info within
// the field tables' limits), what a paid transaction leaves on the order, and WeChat's clear answers.
import { orderExtras, tillScene } from '../../../../server/src/gateway/wechatpay-gateway';
import { payerAmount } from '../../../../server/src/domain/order-state';
import { WechatPayError } from '../../../../server/src/domain/ports/payment-gateway';
import { querySettlements } from '../../../../server/src/domain/settlements';
import { closeOrderAtWechat } from '../../../../server/src/domain/staff-close-order';
import { paid, scriptedGateway, silent, storageWithCatalog, orderServiceOn } from './support';

const wxError = (status: number, code: string) => new WechatPayError({ kind: 'api', status, code, message: code });

test('goods_detail from the items and attach, cut to the field limits; empty ones left out', () => {
  const long = 'x'.repeat(300);
  expect(
    orderExtras({
      goods: [
        { goodsId: 'tea', goodsName: 'Milk tea', quantity: 2, price: 2800 },
        { goodsId: ' ', quantity: 1, price: 1 },
        { goodsId: 'y'.repeat(40), goodsName: long, quantity: 1, price: 100 },
      ],
      attach: 'a'.repeat(200),
    }),
  ).toEqual({
    detail: {
      goods_detail: [
        { goods_id: 'tea', goods_name: 'Milk tea', quantity: 2, price: 2800 },
        { goods_id: 'y'.repeat(32), goods_name: 'x'.repeat(256), quantity: 1, price: 100 },
      ],
    },
    attach: 'a'.repeat(127),
  });
  expect(orderExtras({})).toEqual({});
  expect(tillScene({ storeId: 'S1', storeName: 'Central', deviceId: 'POS-1', operatorId: 'ada' })).toEqual({
    scene_info: { device_id: 'POS-1', operator_id: 'ada', store_info: { id: 'S1', name: 'Central' } },
  });
  expect(tillScene(undefined)).toEqual({});
});

test('the prepay asks with the items, the client address and the order id', async () => {
  const st = storageWithCatalog();
  const seen: unknown[] = [];
  const gateway = scriptedGateway({
    async prepay(i) {
      seen.push(i);
      return { prepayId: 'wx-1' };
    },
  });
  const svc = orderServiceOn(st, gateway);
  // The order is prepaid as it is created: the client's address travels with that first prepay.
  const { order } = await svc.create(
    'openid-1',
    { items: [{ sku: 'tea', quantity: 2 }], clientRequestId: 'req-fields-1' },
    { clientIp: '14.23.150.211' },
  );
  expect(seen[0]).toMatchObject({
    goods: [{ goodsId: 'tea', goodsName: 'Milk tea', quantity: 2, price: 2800 }],
    payerClientIp: '14.23.150.211',
    attach: `order:${order.id}`,
  });
});

test('a paid transaction gives the payer side and the promotions', () => {
  const tx = paid(
    { outTradeNo: 'M1', total: 5600, currency: 'HKD' },
    {
      amount: {
        total: 5600,
        currency: 'HKD',
        payer_total: 4645,
        payer_currency: 'CNY',
        exchange_rate: { type: 'SETTLEMENT_RATE', rate: 91060000 },
      },
      promotion_detail: [
        { promotion_id: 'P1', name: 'Tea day', amount: 500, wechatpay_contribute_amount: 300, merchant_contribute_amount: 200 },
      ],
    },
  );
  expect(payerAmount(tx)).toEqual({
    payerTotal: 4645,
    payerCurrency: 'CNY',
    exchangeRate: 91060000,
    exchangeRateType: 'SETTLEMENT_RATE',
    promotions: [{ promotionId: 'P1', name: 'Tea day', amount: 500, wechatpayContribute: 300, merchantContribute: 200 }],
  });
  expect(payerAmount(paid({ outTradeNo: 'M2', total: 1, currency: 'HKD' }))).toEqual({});
});

test('RULE_LIMIT on close is ORDER_CLOSE_TOO_SOON; settlement RESOURCE_NOT_EXISTS is an empty page', async () => {
  const st = storageWithCatalog();
  const gateway = scriptedGateway({ close: () => Promise.reject(wxError(403, 'RULE_LIMIT')) });
  const svc = orderServiceOn(st, gateway);
  const { order } = await svc.create('openid-2', { items: [{ sku: 'bun', quantity: 1 }], clientRequestId: 'req-fields-2' });
  await expect(closeOrderAtWechat({ orders: st.orders, gateway, logger: silent }, order)).rejects.toMatchObject({
    code: 'ORDER_CLOSE_TOO_SOON',
  });
  const empty = scriptedGateway({ settlements: () => Promise.reject(wxError(404, 'RESOURCE_NOT_EXISTS')) });
  await expect(querySettlements(empty, { state: 'SETTLED', from: '20260101', to: '20260102', page: 1 })).resolves.toEqual({
    items: [],
    total: 0,
  });
});
