// The label of an order or refund status, in the UI language, coloured by how it ended.
// For orders pass the display status (services/order-status.ts#displayStatus): refunds show on paid orders.
import type { RefundStatus } from '../../../shared/api';
import { messages } from '../../services/i18n';
import type { OrderDisplayStatus } from '../../services/order-status';

type Tone = 'good' | 'wait' | 'bad' | 'off' | 'info';

const ORDER_TONE: Record<OrderDisplayStatus, Tone> = {
  PAID: 'good',
  PARTIALLY_REFUNDED: 'info',
  REFUNDED: 'info',
  PENDING: 'wait',
  CLOSED: 'off',
  FAILED: 'bad',
};

const REFUND_TONE: Record<RefundStatus, Tone> = {
  SUCCESS: 'good',
  PENDING: 'wait',
  PROCESSING: 'wait',
  CLOSED: 'off',
  FAILED: 'bad',
  ABNORMAL: 'bad',
};

Component({
  properties: {
    status: { type: String, value: '' },
    /** "order" or "refund": the same word (PENDING, CLOSED) means different things. */
    kind: { type: String, value: 'order' },
  },
  data: {
    label: '',
    tone: 'off',
  },
  observers: {
    'status, kind'(status: string, kind: string) {
      const t = messages();
      const table: Record<string, string> = kind === 'refund' ? t.refundStatus : t.orderStatus;
      const tones: Record<string, Tone> = kind === 'refund' ? REFUND_TONE : ORDER_TONE;
      this.setData({ label: table[status] ?? status, tone: tones[status] ?? 'off' });
    },
  },
});
