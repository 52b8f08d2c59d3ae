// Notification records in memory, unique by event id.
import type { EventLog, PaymentEventLog, RefundEventLog } from '../../domain/ports/events';
import { copy } from './ids';

function memoryEventLog<
  E extends { eventId: string; outcome: string; detail?: string; orderId?: string; receivedAt: Date },
>(): EventLog<E> {
  const byId = new Map<string, E>();
  return {
    async insert(e) {
      if (byId.has(e.eventId)) return false;
      byId.set(e.eventId, copy(e));
      return true;
    },
    find: async (eventId) => copy(byId.get(eventId)),
    async setOutcome(eventId, outcome, detail) {
      const e = byId.get(eventId);
      if (e) Object.assign(e, { outcome, ...(detail ? { detail } : {}) });
    },
    forOrder: async (orderId, limit) =>
      [...byId.values()]
        .filter((e) => e.orderId === orderId)
        .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
        .slice(0, limit)
        .map(copy),
  };
}

export const memoryPaymentEvents = (): PaymentEventLog => memoryEventLog();
export const memoryRefundEvents = (): RefundEventLog => memoryEventLog();
