// Quick Pay tills as admins keep them, and the till a charge is made at. Every text is checked against the limit
// of the WeChat Pay field it becomes (shared/text-limits.ts: UTF-8 bytes, one line), here as well as at the HTTP
// edge, so a till that is stored can always be sent to WeChat Pay as it is.
import { isIP } from 'node:net';
import type { OrderTillView, TillView } from '../../../shared/api';
import { textProblem, type TextField } from '../../../shared/text-limits';
import { DomainError } from './errors';
import type { OrderTill } from './ports/orders';
import type { NewTill, Till, TillChange, TillRepository } from './ports/tills';

export interface TillInput {
  storeId: string;
  storeName: string;
  storeAddress?: string;
  deviceId: string;
  deviceIp?: string;
  label: string;
}

/** The fields to change; null clears an optional one. */
export interface TillPatch {
  storeId?: string;
  storeName?: string;
  storeAddress?: string | null;
  deviceId?: string;
  deviceIp?: string | null;
  label?: string;
}

const TEXT_FIELDS: ReadonlyArray<[keyof TillInput, TextField]> = [
  ['storeId', 'storeId'],
  ['storeName', 'storeName'],
  ['storeAddress', 'storeAddress'],
  ['deviceId', 'deviceId'],
  ['label', 'tillLabel'],
];

/** WeChat Pay's device_ip: an IPv4 or IPv6 address (string[1,45]). */
export function deviceIpProblem(ip: string): string | undefined {
  return ip.length <= 45 && isIP(ip) !== 0 ? undefined : 'must be an IPv4 or IPv6 address';
}

/** Trims the texts and checks each against its field's limit; VALIDATION_FAILED naming every bad field. */
function checked<T extends Partial<Record<keyof TillInput, string | null | undefined>>>(input: T): T {
  const out = { ...input };
  const fields: Record<string, string> = {};
  for (const [key, limit] of TEXT_FIELDS) {
    const v = out[key];
    if (typeof v !== 'string') continue;
    const trimmed = v.trim();
    (out as Record<string, unknown>)[key] = trimmed;
    const problem = textProblem(trimmed, limit);
    if (problem) fields[key] = problem;
  }
  if (typeof out.deviceIp === 'string') {
    const ip = out.deviceIp.trim();
    (out as Record<string, unknown>).deviceIp = ip;
    const problem = deviceIpProblem(ip);
    if (problem) fields.deviceIp = problem;
  }
  const first = Object.entries(fields)[0];
  if (first) throw new DomainError('VALIDATION_FAILED', `body: ${first[0]}: ${first[1]}`, { fields });
  return out;
}

const duplicate = (t: Pick<Till, 'storeId' | 'deviceId'>) =>
  new DomainError('DUPLICATE', `store ${t.storeId} already has a till with device id ${t.deviceId}`, {
    storeId: t.storeId,
    deviceId: t.deviceId,
  });

export class TillService {
  private readonly now: () => Date;
  constructor(private readonly deps: { tills: TillRepository; now?: () => Date }) {
    this.now = deps.now ?? (() => new Date());
  }

  list(): Promise<Till[]> {
    return this.deps.tills.list();
  }

  async get(id: string): Promise<Till> {
    const till = await this.deps.tills.findById(id);
    if (!till) throw new DomainError('TILL_NOT_FOUND', `no till ${id}`);
    return till;
  }

  async create(input: TillInput): Promise<Till> {
    const c = checked(input);
    const fresh: NewTill = { storeId: c.storeId, storeName: c.storeName, deviceId: c.deviceId, label: c.label };
    if (c.storeAddress !== undefined) fresh.storeAddress = c.storeAddress;
    if (c.deviceIp !== undefined) fresh.deviceIp = c.deviceIp;
    const created = await this.deps.tills.insert(fresh, this.now());
    if (created === 'duplicate') throw duplicate(fresh);
    return created;
  }

  /** The till before and after; `changed` lists the fields whose value moved (for the audit record). */
  async update(id: string, patch: TillPatch): Promise<{ before: Till; after: Till; changed: Array<keyof TillInput> }> {
    const before = await this.get(id);
    const c = checked(patch);
    const change: TillChange = { set: {}, unset: [] };
    for (const key of ['storeId', 'storeName', 'storeAddress', 'deviceId', 'deviceIp', 'label'] as const) {
      const v = c[key];
      if (v === undefined) continue;
      if (v === null) {
        if (key === 'storeAddress' || key === 'deviceIp') (change.unset as Array<'storeAddress' | 'deviceIp'>).push(key);
        else throw new DomainError('VALIDATION_FAILED', `body: ${key}: cannot be cleared`, { fields: { [key]: 'cannot be cleared' } });
      } else change.set![key] = v;
    }
    const after = await this.deps.tills.update(id, change, this.now());
    if (after === 'duplicate') throw duplicate({ storeId: c.storeId ?? before.storeId, deviceId: c.deviceId ?? before.deviceId });
    if (!after) throw new DomainError('TILL_NOT_FOUND', `no till ${id}`);
    const fields = ['storeId', 'storeName', 'storeAddress', 'deviceId', 'deviceIp', 'label'] as const;
    return { before, after, changed: fields.filter((k) => before[k] !== after[k]) };
  }

  async setActive(id: string, active: boolean): Promise<{ till: Till; changed: boolean }> {
    const r = await this.deps.tills.setActive(id, active, this.now());
    if (!r) throw new DomainError('TILL_NOT_FOUND', `no till ${id}`);
    return r;
  }

  /** The till a new charge names: it must exist and be active (checked before anything is written or sent). */
  async forCharge(id: string): Promise<Till> {
    const till = await this.get(id);
    if (!till.active) throw new DomainError('TILL_DISABLED', `till ${till.label} (${id}) is disabled`, { tillId: id });
    return till;
  }
}

export function toTillView(t: Till): TillView {
  const v: TillView = {
    id: t.id,
    storeId: t.storeId,
    storeName: t.storeName,
    deviceId: t.deviceId,
    label: t.label,
    active: t.active,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
  if (t.storeAddress !== undefined) v.storeAddress = t.storeAddress;
  if (t.deviceIp !== undefined) v.deviceIp = t.deviceIp;
  return v;
}

/** The copy of a till an order keeps. */
export function orderTill(t: Till): OrderTill {
  const o: OrderTill = { id: t.id, storeId: t.storeId, storeName: t.storeName, deviceId: t.deviceId, label: t.label };
  if (t.storeAddress !== undefined) o.storeAddress = t.storeAddress;
  if (t.deviceIp !== undefined) o.deviceIp = t.deviceIp;
  return o;
}

export function toOrderTillView(t: OrderTill): OrderTillView {
  return { id: t.id, label: t.label, storeId: t.storeId, storeName: t.storeName, deviceId: t.deviceId };
}
