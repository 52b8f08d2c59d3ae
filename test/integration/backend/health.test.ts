import type { Connection } from 'mongoose';
import { connectDatabase, createMongoStorage, databaseState, pingDatabase } from '../../../server/src/storage/mongo';
import { testBackend } from '../../support/backend-app';
import { dropDatabase, testDatabaseUri } from '../../support/db';
import { serve, type Served } from '../../support/http';

const uri = testDatabaseUri('health');
let db: Connection;
let http: Served;

beforeAll(async () => {
  db = await connectDatabase(uri);
  http = await serve(
    testBackend({
      storage: createMongoStorage(db),
      database: { ping: () => pingDatabase(db), state: () => databaseState(db) },
      readinessChecks: { certificates: () => false },
    }).app.callback(),
  );
});
afterAll(async () => {
  await http.close();
  await db.close();
  await dropDatabase(uri);
});

test('GET /healthz reports the database connected', async () => {
  const res = await fetch(`${http.url}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: 'ok', database: 'connected' });
  expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});

test('GET /readyz is 503 while a readiness check fails, naming it', async () => {
  const res = await fetch(`${http.url}/readyz`);
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({ status: 'not_ready', checks: { database: true, certificates: false } });
});

test('unknown paths answer 404 with the error shape', async () => {
  const res = await fetch(`${http.url}/nope`, { headers: { 'X-Request-Id': 'abc-123' } });
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({ code: 'NOT_FOUND', message: 'not found', requestId: 'abc-123' });
});
