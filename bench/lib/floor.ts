// The floor: the work a paid order cannot avoid, done with node:crypto and the raw MongoDB driver, no framework.
// Per order: sign the prepay request and the paySign (RSA-2048, libuv's thread pool, as the client signs), verify
// the prepay answer and the notification (RSA-2048), decrypt the notification's resource (AES-256-GCM), insert
// the order, mark it paid with one conditional update, read it once (the customer's GET). Its CPU time per
// order, measured in the process that does it, is what the backend's CPU per order is compared with.
import { createCipheriv, createDecipheriv, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import mongoose from 'mongoose';

export interface FloorResult {
  orders: number;
  cpuMsPerOrder: number;
  ordersPerSec: number;
}

export async function measureFloor(uri: string, orders: number, concurrency: number): Promise<FloorResult> {
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const apiV3Key = randomBytes(16).toString('hex'); // 32 characters, used as bytes like the APIv3 key
  const prepayAnswer = Buffer.from(`1700000000\nNONCE\n${JSON.stringify({ prepay_id: 'wx201410272009395522657a690389285100' })}\n`);
  const prepaySig = sign('sha256', prepayAnswer, platform.privateKey);
  const plaintext = JSON.stringify({
    id: '4200000001',
    out_trade_no: 'M0',
    trade_state: 'SUCCESS',
    amount: { total: 100, currency: 'HKD' },
    payer: { openid: 'o123' },
  });
  const nonce = 'abcdefghijkl';
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from(nonce));
  cipher.setAAD(Buffer.from('transaction'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]).toString('base64');
  const envelope = JSON.stringify({
    id: 'EV',
    event_type: 'TRANSACTION.SUCCESS',
    resource: { algorithm: 'AEAD_AES_256_GCM', ciphertext, nonce, associated_data: 'transaction' },
  });
  const notifyMessage = Buffer.from(`1700000000\nNONCE2\n${envelope}\n`);
  const notifySig = sign('sha256', notifyMessage, platform.privateKey);
  const signAsync = (msg: string) =>
    new Promise<Buffer>((res, rej) => sign('sha256', Buffer.from(msg), merchant.privateKey, (e, s) => (e ? rej(e) : res(s))));

  const client = new mongoose.mongo.MongoClient(uri, { maxPoolSize: concurrency });
  await client.connect();
  const db = client.db(`bench_floor_${randomBytes(4).toString('hex')}`);
  const col = db.collection<{ _id: mongoose.mongo.ObjectId; status: string; total: number; transactionId?: string }>('orders');
  await col.insertOne({ _id: new mongoose.mongo.ObjectId(), status: 'WARM', total: 0 });

  const one = async (i: number) => {
    const _id = new mongoose.mongo.ObjectId();
    await col.insertOne({ _id, status: 'PENDING', total: 100 + i });
    const auth = await signAsync(`POST\n/v3/global/transactions/jsapi\n${Date.now()}\nNONCE${i}\n{"out_trade_no":"M${i}"}\n`);
    if (!verify('sha256', prepayAnswer, platform.publicKey, prepaySig) || auth.length !== 256) throw new Error('prepay');
    await signAsync(`wx0000000000000000\n${Date.now()}\nNONCE${i}\nprepay_id=wx${i}\n`);
    if (!verify('sha256', notifyMessage, platform.publicKey, notifySig)) throw new Error('notification signature');
    const r = (JSON.parse(envelope) as { resource: { ciphertext: string; nonce: string; associated_data: string } }).resource;
    const raw = Buffer.from(r.ciphertext, 'base64');
    const d = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from(r.nonce));
    d.setAAD(Buffer.from(r.associated_data));
    d.setAuthTag(raw.subarray(raw.length - 16));
    const tx = JSON.parse(Buffer.concat([d.update(raw.subarray(0, raw.length - 16)), d.final()]).toString('utf8')) as { id: string };
    const upd = await col.updateOne({ _id, status: 'PENDING' }, { $set: { status: 'PAID', transactionId: tx.id } });
    if (upd.modifiedCount !== 1) throw new Error('update');
    const read = await col.findOne({ _id });
    if (read?.status !== 'PAID') throw new Error('read');
  };

  try {
    for (let i = 0; i < 50; i++) await one(i); // warm-up
    let next = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < orders) await one(next++);
      }),
    );
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { orders, cpuMsPerOrder: (cpu.user + cpu.system) / 1000 / orders, ordersPerSec: (orders * 1000) / wall };
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
}
