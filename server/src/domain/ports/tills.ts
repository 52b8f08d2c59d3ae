// Quick Pay tills: one device at one store, as an admin keeps them. A charge names its till, and WeChat Pay then
// receives the till's store and device as scene_info. A till is never deleted (orders point at it): it is
// disabled. (storeId, deviceId) is unique: a unique index in the database, the same check in memory.

export interface Till {
  id: string;
  /** WeChat Pay's store_info.id. */
  storeId: string;
  storeName: string;
  storeAddress?: string;
  /** WeChat Pay's device_id; unique within its store. */
  deviceId: string;
  /** WeChat Pay's device_ip. */
  deviceIp?: string;
  /** Our own name for it, shown to staff. */
  label: string;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type NewTill = Pick<Till, 'storeId' | 'storeName' | 'storeAddress' | 'deviceId' | 'deviceIp' | 'label'>;

/** The fields an update may set, and the optional ones it may clear. */
export interface TillChange {
  set?: Partial<Pick<Till, 'storeId' | 'storeName' | 'storeAddress' | 'deviceId' | 'deviceIp' | 'label'>>;
  unset?: ReadonlyArray<'storeAddress' | 'deviceIp'>;
}

/** Every till is listed at once: a merchant has a handful, and the console needs all of them (active or not). */
export const MAX_TILLS = 1000;

export interface TillRepository {
  /** Inserts an active till; 'duplicate' when its store already has a till with that device id. */
  insert(till: NewTill, now: Date): Promise<Till | 'duplicate'>;
  findById(id: string): Promise<Till | undefined>;
  /** Every till (at most MAX_TILLS): active first, then by store id and label. */
  list(): Promise<Till[]>;
  /**
   * One update of one document: the till after the change, undefined when there is no such till, 'duplicate'
   * when the change would give its store two tills with one device id.
   */
  update(id: string, change: TillChange, now: Date): Promise<Till | undefined | 'duplicate'>;
  /**
   * Enables or disables, conditional on the till being in the other state (one update). `changed` says whether
   * this call made the change; undefined when there is no such till.
   */
  setActive(id: string, active: boolean, now: Date): Promise<{ till: Till; changed: boolean } | undefined>;
}
