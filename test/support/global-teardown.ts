import type { LocalMongo } from '../../tools/localdb/server';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __LOCAL_MONGO__?: LocalMongo }).__LOCAL_MONGO__?.stop();
}
