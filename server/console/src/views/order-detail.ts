// One order: summary, items, refunds, notifications received and the audit trail, with the actions the
// person's role allows (refund a paid order, close an unpaid one).
import type { AdminOrderView, AdminRefundView, AuditRecord, NotificationRecord } from '../../../../shared/api';
import { api } from '../api';
import { guardSubmit, h, messageBox, rawDetails, replaceChildren, setMessage, table } from '../dom';
import { describeError, describeWechatReason } from '../errors';
import { hasKey } from '../i18n';
import { can } from '../roles';
import { currentLang, errorText, isAbort, money, t, when } from '../ui';
import type { ViewContext } from './context';
import { statusBadge } from './orders';
import { refundPanel } from './refund';

export function orderDetailView(ctx: ViewContext): HTMLElement {
  const orderId = ctx.params[0] ?? '';
  const root = h('section', { testid: 'order-view' });
  const message = messageBox('order-message');
  const body = h('div', {});
  // The action panel survives re-renders: a refund's progress stays on screen while the order reloads under it.
  const panel = h('div', {});
  replaceChildren(root, h('a', { href: '#/orders', class: 'back' }, `← ${t('nav.orders')}`), message, body);

  let actions: HTMLElement | undefined;
  const openPanel = (el: HTMLElement) => {
    replaceChildren(panel, el);
    if (actions) actions.hidden = true;
  };
  const closePanel = () => {
    replaceChildren(panel);
    if (actions) actions.hidden = false;
  };

  // `refresh` reloads in place (no "Loading…"), for changes made from the open panel; only the newest answer wins.
  let seq = 0;
  const load = (opts: { notice?: string; refresh?: boolean } = {}) => {
    const mine = ++seq;
    if (!opts.refresh) replaceChildren(body, h('p', { class: 'muted' }, t('common.loading')));
    api.getOrder(orderId, ctx.signal).then(
      (order) => {
        if (mine !== seq) return;
        render(order);
        if (opts.notice) setMessage(message, opts.notice, 'success');
      },
      (err) => {
        if (isAbort(err) || mine !== seq) return;
        if (!opts.refresh) replaceChildren(body);
        setMessage(message, errorText(err));
      },
    );
  };

  const render = (order: AdminOrderView) => {
    setMessage(message, '');
    actions = h('div', { class: 'actions' });
    actions.hidden = panel.childElementCount > 0;
    const canRefund = can(ctx.session.role, 'refund') && order.status === 'PAID' && order.refundableAmount > 0;
    const canClose = can(ctx.session.role, 'close') && order.status === 'PENDING';
    if (canRefund) {
      actions.append(
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            testid: 'refund-button',
            onclick: () => openPanel(refundPanel(order, ctx.signal, () => load({ refresh: true }), closePanel)),
          },
          t('order.refund'),
        ),
      );
    }
    if (canClose) {
      actions.append(
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            testid: 'close-button',
            onclick: () =>
              openPanel(
                closeForm(
                  order,
                  () => {
                    closePanel();
                    load({ notice: t('order.closed'), refresh: true });
                  },
                  closePanel,
                ),
              ),
          },
          t('order.close'),
        ),
      );
    }

    const c = order.currency;
    const summary = h(
      'dl',
      { class: 'summary', testid: 'order-summary' },
      ...pair(t('orders.status'), statusBadge(order.status)),
      ...pair(t('orders.total'), h('span', { testid: 'order-total' }, money(order.total, c))),
      ...pair(t('orders.refunded'), h('span', { testid: 'order-refunded' }, money(order.refundedAmount, c))),
      ...pair(t('order.refundable'), h('span', { testid: 'order-refundable' }, money(order.refundableAmount, c))),
      ...pair(t('order.transactionId'), h('span', { class: 'mono' }, order.transactionId ?? '—')),
      ...pair(t('order.customer'), h('span', { class: 'mono' }, order.customerOpenid)),
      ...(order.till
        ? pair(
            t('order.till'),
            h(
              'span',
              { testid: 'order-till' },
              t('order.tillText', {
                label: order.till.label,
                store: order.till.storeName,
                storeId: order.till.storeId,
                deviceId: order.till.deviceId,
              }),
            ),
          )
        : []),
      ...pair(t('orders.created'), when(order.createdAt)),
      ...pair(t('orders.paid'), when(order.paidAt)),
      ...payerPairs(order),
      ...(order.status === 'PENDING' ? pair(t('order.expires'), when(order.expiresAt)) : []),
    );

    const items = table(
      [t('order.item'), t('order.unitPrice'), t('order.quantity'), t('order.amount')],
      order.items.map((i) => [
        `${i.name[currentLang()] ?? i.name.en} (${i.sku})`,
        h('span', { class: 'num' }, money(i.unitPrice, c)),
        h('span', { class: 'num' }, i.quantity),
        h('span', { class: 'num' }, money(i.amount, c)),
      ]),
      'order-items',
    );

    const refunds = order.refunds.length
      ? table(
          [t('order.refundNo'), t('order.amount'), t('orders.status'), t('order.reason'), t('orders.created')],
          order.refunds.map((r) => {
            const lastError = (r as Partial<AdminRefundView>).lastError;
            return [
              h('span', { class: 'mono' }, r.outRefundNo),
              h('span', { class: 'num' }, money(r.amount, r.currency)),
              h('span', { class: `badge refund-${r.status.toLowerCase()}`, testid: 'refund-status' }, t(`refundStatus.${r.status}`)),
              [r.reason, lastError ? describeWechatReason(currentLang(), lastError) : ''].filter(Boolean).join(' — ') || '—',
              when(r.createdAt),
            ];
          }),
          'order-refunds',
        )
      : h('p', { class: 'muted' }, t('common.none'));

    const notifications = order.notifications.length
      ? table(
          [t('order.event'), t('order.receivedAt'), t('order.outcome'), t('order.detail')],
          order.notifications.map((n) => [
            eventText(n),
            when(n.receivedAt),
            h('span', { class: `outcome outcome-${n.outcome}` }, t(`outcome.${n.outcome}`)),
            h('div', {}, n.detail ?? null, rawDetails(t('common.rawData'), n, 'notification-raw')),
          ]),
          'order-notifications',
        )
      : h('p', { class: 'muted' }, t('common.none'));

    const audit = order.audit.length
      ? table(
          [t('order.when'), t('order.who'), t('order.action'), t('order.detail')],
          order.audit.map((a) => [
            when(a.at),
            `${a.actor} (${t(`role.${a.role}`)})`,
            h('span', { testid: 'audit-text' }, auditText(a, c)),
            rawDetails(t('common.rawData'), a, 'audit-raw'),
          ]),
          'order-audit',
        )
      : h('p', { class: 'muted' }, t('common.none'));

    replaceChildren(
      body,
      h('header', { class: 'title-row' }, h('h1', {}, t('order.heading', { no: order.outTradeNo })), actions),
      order.flagged
        ? h('p', { class: 'message message-error', testid: 'order-flagged' }, t('order.flagged', { why: order.flagged }))
        : null,
      panel,
      h('div', { class: 'card' }, h('h2', {}, t('order.summary')), summary),
      h('div', { class: 'card' }, h('h2', {}, t('order.items')), items),
      h('div', { class: 'card' }, h('h2', {}, t('order.refunds')), refunds),
      h('div', { class: 'card' }, h('h2', {}, t('order.notifications')), notifications),
      h('div', { class: 'card' }, h('h2', {}, t('order.audit')), audit),
    );
  };

  load();
  return root;
}

function eventText(n: NotificationRecord): string {
  const key = `event.${n.eventType}`;
  return hasKey(key) ? t(key) : t('event.other', { type: n.eventType });
}

/** What a staff action did, in words; the record itself stays one click away. */
export function auditText(a: AuditRecord, currency: string): string {
  const d = a.detail ?? {};
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : '');
  const amount = typeof d.amount === 'number' ? money(d.amount, currency) : '—';
  const state = (s: string) => (hasKey(`pos.${s}`) ? t(`pos.${s}` as 'pos.SUCCESS') : s);
  let text: string;
  switch (a.action) {
    case 'refund.create':
      text = t('audit.refund.create', { amount, no: str('outRefundNo') || '—' });
      if (str('reason')) text += ` · ${t('audit.reason', { reason: str('reason') })}`;
      return text;
    case 'refund.refused':
      return t('audit.refund.refused', {
        amount,
        why: describeError(currentLang(), { status: 409, code: str('code') || 'unknown', message: str('code') }),
      });
    case 'order.close':
      return t('audit.order.close', {
        result: hasKey(`status.${str('status')}`) ? t(`status.${str('status')}` as 'status.CLOSED') : str('result') || '—',
      });
    case 'pos.charge':
      return t('audit.pos.charge', { amount, state: state(str('state')) });
    case 'pos.charge_repeat':
      return t('audit.pos.charge_repeat', { amount });
    default:
      return t('audit.other', { action: a.action });
  }
}

function pair(label: string, value: Node | string): Node[] {
  return [h('dt', {}, label), h('dd', {}, value)];
}

function closeForm(order: AdminOrderView, onClosed: () => void, onCancel: () => void): HTMLElement {
  const message = messageBox('close-error');
  const form = h(
    'form',
    { class: 'card panel', testid: 'close-form' },
    h('p', { class: 'confirm' }, t('order.closeConfirm', { no: order.outTradeNo })),
    message,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'danger', testid: 'close-confirm' }, t('order.closeYes')),
      h('button', { type: 'button', onclick: onCancel }, t('common.cancel')),
    ),
  );
  guardSubmit(form, async () => {
    try {
      await api.closeOrder(order.id);
      onClosed();
    } catch (err) {
      setMessage(message, errorText(err));
    }
  });
  return form;
}

/** A rate as WeChat Pay gives it (at most 8 decimals), without trailing zeros: 0.9106. */
export function rateText(rate: number): string {
  return String(Number(rate.toFixed(8)));
}

/** What the payer was charged in the wallet's currency, and the promotions with who funded them. */
function payerPairs(order: AdminOrderView): Node[] {
  const out: Node[] = [];
  if (order.payerTotal !== undefined && order.payerCurrency) {
    const amount = money(order.payerTotal, order.payerCurrency);
    const text = order.exchangeRate
      ? t('order.payerChargedAt', { amount, rate: rateText(order.exchangeRate) })
      : t('order.payerCharged', { amount });
    out.push(...pair(t('order.payer'), h('span', { testid: 'order-payer' }, text)));
  }
  const promotions = order.promotions ?? [];
  if (promotions.length) {
    const c = order.currency;
    const discount = promotions.reduce((s, p) => s + p.amount, 0);
    const lines = promotions.map((p) =>
      h(
        'li',
        { testid: 'order-promotion' },
        t('order.promotionLine', {
          name: p.name ?? p.id ?? p.type ?? '—',
          amount: money(p.amount, c),
          wechatpay: money(p.wechatpayShare ?? 0, c),
          merchant: money(p.merchantShare ?? 0, c),
          other: money(p.otherShare ?? 0, c),
        }),
      ),
    );
    out.push(...pair(t('order.promotions'), h('ul', { class: 'plain' }, ...lines)));
    out.push(...pair(t('order.customerShare'), h('span', { testid: 'order-customer-share' }, money(order.total - discount, c))));
    const merchant = promotions.reduce((s, p) => s + (p.merchantShare ?? 0), 0);
    out.push(...pair(t('order.merchantShare'), h('span', { testid: 'order-merchant-share' }, money(merchant, c))));
  }
  return out;
}
