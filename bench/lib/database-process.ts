// The bench's database in a process of its own, so that its CPU time is measured apart from the load
// generator's: the local MongoDB-protocol server (FerretDB as a child of this process, or a mongod) and, with
// FerretDB, the write serializer running here. Talks to its parent over IPC:
//   -> {uri, kind}                      once ready
//   <- {op: 'counts'} -> {counts, kinds} commands per database name, and per `db command collection`, since the
//                                        last reset (write serializer)
//   <- {op: 'reset'}  -> {reset: true}
//   <- {op: 'stop'}                     stops the database and exits
import { startLocalMongo } from '../../tools/localdb/server';

async function main(): Promise<void> {
  if (!process.send) throw new Error('run me with child_process.fork');
  const db = await startLocalMongo();
  process.on('message', (m: { op: string }) => {
    if (m.op === 'counts') process.send!({ counts: db.commandCounts?.() ?? {}, kinds: db.commandsByKind?.() ?? {} });
    else if (m.op === 'reset') {
      db.resetCommandCounts?.();
      process.send!({ reset: true });
    } else if (m.op === 'stop') void db.stop().then(() => process.exit(0));
  });
  process.on('disconnect', () => void db.stop().then(() => process.exit(0)));
  process.send({ uri: db.uri, kind: db.kind });
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
