import type { LocalMongo } from '../../server/src/db/local-server';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __LOCAL_MONGO__?: LocalMongo }).__LOCAL_MONGO__?.stop();
}
