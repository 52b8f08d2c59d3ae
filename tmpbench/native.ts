import mongoose from 'mongoose';
import { startLocalMongo, databaseUri } from '../tools/localdb/server';
async function main() {
const db = await startLocalMongo();
const conn = await mongoose.createConnection(databaseUri(db.uri, 'nat')).asPromise();
const M = conn.model('T', new mongoose.Schema({ _id: String, a: Number }, { versionKey: false }));
await M.collection.insertOne({ _id: 'x', a: 1 } as never);
const wrapped = M.collection;
const native = conn.db!.collection('ts');
const N = 3000;
for (const round of [0, 1]) {
  for (const [name, c] of [['mongoose NativeCollection', wrapped], ['driver Collection', native]] as const) {
    const t = process.cpuUsage();
    for (let i = 0; i < N; i++) await (c as any).findOne({ _id: 'x' });
    const u = process.cpuUsage(t);
    console.log(round, name, ((u.user + u.system) / N).toFixed(1), 'us CPU per findOne (client process)');
  }
}
await conn.close();
await db.stop();

}
void main();
