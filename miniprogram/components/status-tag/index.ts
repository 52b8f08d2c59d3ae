// The label of an order or refund status, in the UI language, coloured by how it ended.
import type { OrderStatus, RefundStatus } from '../../../shared/api';
import { messages } from '../../services/i18n';

const TONE: Record<OrderStatus | RefundStatus, 'good' | 'wait' | 'bad' | 'off'> = {
  PAID: 'good',
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
      const tone = (TONE as Record<string, string>)[status] ?? 'off';
      this.setData({ label: table[status] ?? status, tone });
    },
  },
});
