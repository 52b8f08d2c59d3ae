// One order: summary, items, refunds, notifications received and the audit trail, with the actions the
// person's role allows (refund a paid order, check WeChat Pay for refunds made elsewhere, close an unpaid one;
// retry or cancel a refund that waits for staff).
import type { AdminOrderView, AdminRefundView, AuditRecord, NotificationRecord, RefundSource } from '../../../../shared/api';
import { api, ApiError } from '../api';
import { field, guardSubmit, h, messageBox, rawDetails, replaceChildren, setMessage, table } from '../dom';
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
  const load = (opts: { notice?: string; refresh?: boolean; kind?: 'success' | 'error' } = {}) => {
    const mine = ++seq;
    if (!opts.refresh) replaceChildren(body, h('p', { class: 'muted' }, t('common.loading')));
    api.getOrder(orderId, ctx.signal).then(
      (order) => {
        if (mine !== seq) return;
        render(order);
        if (opts.notice) setMessage(message, opts.notice, opts.kind ?? 'success');
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
    const canCheck = can(ctx.session.role, 'refund') && order.status === 'PAID';
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
    if (canCheck) {
      const check = h('button', { type: 'button', testid: 'check-refunds-button' }, t('order.checkRefunds'));
      check.addEventListener('click', () => {
        check.disabled = true;
        check.textContent = t('order.checkingRefunds');
        api.syncOrderRefunds(order.id).then(
          (r) => {
            const notice = t('order.checkedRefunds', { found: r.found, recorded: r.recorded });
            load({ refresh: true, notice: r.flagged ? `${notice} ${t('order.checkedRefundsFlagged', { flagged: r.flagged })}` : notice });
          },
          (err) => {
            check.disabled = false;
            check.textContent = t('order.checkRefunds');
            setMessage(message, errorText(err));
          },
        );
      });
      actions.append(check);
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
          order.refunds.map((view) => {
            const r = view as Partial<AdminRefundView> & typeof view;
            const why = r.awaitingStaff ? t('refund.awaitingShort') : r.lastError ? describeWechatReason(currentLang(), r.lastError) : '';
            return [
              h('span', { class: 'mono' }, r.outRefundNo),
              h('span', { class: 'num' }, money(r.amount, r.currency)),
              h(
                'span',
                { class: 'badges' },
                r.awaitingStaff
                  ? h('span', { class: 'badge refund-awaiting', testid: 'refund-status' }, t('refundStatus.AWAITING'))
                  : h('span', { class: `badge refund-${r.status.toLowerCase()}`, testid: 'refund-status' }, t(`refundStatus.${r.status}`)),
                r.external ? h('span', { class: 'badge wrap', testid: 'refund-external' }, t('refund.external')) : null,
              ),
              [r.reason, why, r.flagged].filter(Boolean).join(' — ') || '—',
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
      ...order.refunds
        .filter((r) => (r as Partial<AdminRefundView>).awaitingStaff)
        .map((r) =>
          awaitingCard(r as AdminRefundView, can(ctx.session.role, 'refund'), (notice, kind) => load({ refresh: true, notice, kind })),
        ),
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
    case 'refund.retry':
      return t('audit.refund.retry', { no: str('outRefundNo') || '—', source: sourceText(str('source')) });
    case 'refund.cancel':
      text = t('audit.refund.cancel', { amount, no: str('outRefundNo') || '—' });
      if (str('reason')) text += ` · ${t('audit.reason', { reason: str('reason') })}`;
      return text;
    case 'order.refunds_sync':
      return t('audit.order.refunds_sync', { found: Number(d.found ?? 0), recorded: Number(d.recorded ?? 0) });
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

function sourceText(source: string): string {
  return hasKey(`refund.source.${source}`) ? t(`refund.source.${source}` as 'refund.source.REFUND_SOURCE_RECHARGE_FUNDS') : source || '—';
}

/**
 * A refund that waits for staff (WeChat Pay answered NOT_ENOUGH again and again): why, and, for staff allowed to
 * refund, retry from recharge funds, retry from the same funds, or cancel (after a confirmation). The server
 * lets one action win; a refused one reloads the order so the page shows what happened.
 */
function awaitingCard(r: AdminRefundView, allowed: boolean, onDone: (notice: string, kind?: 'success' | 'error') => void): HTMLElement {
  const amount = money(r.amount, r.currency);
  const message = messageBox('awaiting-message');
  const body = h('div', {});
  const card = h(
    'div',
    { class: 'card attention', testid: 'refund-awaiting', 'data-refund': r.outRefundNo },
    h('h2', {}, t('refund.awaitingHeading', { no: r.outRefundNo, amount })),
    h('p', { testid: 'refund-awaiting-why' }, t('refund.awaitingNotEnough')),
    h('p', { class: 'muted' }, t('refund.lastSource', { source: sourceText(r.source) })),
    message,
    body,
  );
  if (!allowed) return card;

  const act = (buttons: HTMLButtonElement[], run: () => Promise<string>) => {
    for (const b of buttons) b.disabled = true;
    setMessage(message, t('refund.working'), 'info');
    run().then(
      (notice) => onDone(notice),
      (err) => {
        // Someone else acted (or WeChat had it): the order as it is now tells the rest.
        if (err instanceof ApiError && err.status === 409) return onDone(errorText(err), 'error');
        for (const b of buttons) b.disabled = false;
        setMessage(message, errorText(err));
      },
    );
  };
  const retry = (source: RefundSource) => async () => {
    const after = await api.retryRefund(r.id, source);
    const status = after.awaitingStaff ? t('refundStatus.AWAITING') : t(`refundStatus.${after.status}`);
    return t('refund.retried', { no: r.outRefundNo, status });
  };

  const showButtons = () => {
    const buttons: HTMLButtonElement[] = [];
    const add = (label: string, cls: string, testid: string, onclick: () => void) => {
      const b = h('button', { type: 'button', class: cls, testid }, label);
      b.addEventListener('click', onclick);
      buttons.push(b);
      return b;
    };
    if (r.source !== 'REFUND_SOURCE_RECHARGE_FUNDS') {
      add(t('refund.retryRecharge'), 'primary', 'refund-retry-recharge', () => act(buttons, retry('REFUND_SOURCE_RECHARGE_FUNDS')));
    }
    add(t('refund.retry'), '', 'refund-retry', () => act(buttons, retry(r.source)));
    add(t('refund.cancelRefund'), 'danger', 'refund-cancel', showCancel);
    replaceChildren(body, h('div', { class: 'actions' }, ...buttons));
  };

  const showCancel = () => {
    const reason = h('input', { name: 'reason', maxlength: 80, autocomplete: 'off', testid: 'refund-cancel-reason' });
    const form = h(
      'form',
      { testid: 'refund-cancel-form' },
      h('p', { class: 'confirm' }, t('refund.cancelConfirm', { amount })),
      field(t('refund.cancelReason'), reason),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', class: 'danger', testid: 'refund-cancel-confirm' }, t('refund.cancelYes')),
        h('button', { type: 'button', testid: 'refund-cancel-back', onclick: showButtons }, t('refund.keep')),
      ),
    );
    guardSubmit(form, async () => {
      setMessage(message, t('refund.working'), 'info');
      try {
        await api.cancelRefund(r.id, reason.value.trim() || undefined);
        onDone(t('refund.cancelled', { no: r.outRefundNo }));
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) return onDone(errorText(err), 'error');
        setMessage(message, errorText(err));
      }
    });
    replaceChildren(body, form);
    reason.focus();
  };

  showButtons();
  return card;
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
