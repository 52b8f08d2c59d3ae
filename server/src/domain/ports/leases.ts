/** A named lease for work that must run on one instance at a time. */
export interface LeaseStore {
  /** Takes or renews `name` for `owner` until `until`; false when another owner holds an unexpired one. */
  acquire(name: string, owner: string, now: Date, until: Date): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
}
