// The baseline: the thinnest possible Multifrost-shaped child, bare zeromq.js + msgpackr. It answers every
// CALL with a RESPONSE carrying the first argument's sum/echo, with no validation, sanitising or dispatch
// beyond ignoring other profiles.
import { Router } from 'zeromq';
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: false, int64AsType: 'auto' });
const router = new Router({ linger: 0, sendHighWaterMark: 100_000, receiveHighWaterMark: 100_000 });
router.connect(`tcp://127.0.0.1:${process.env.COMLINK_ZMQ_PORT}`);
process.on('SIGTERM', () => process.exit(0));
for await (const [id, empty, payload] of router) {
  const call = packr.unpack(payload);
  // A strict v3 child: a message in another profile (the parent's v4 start-up probe) is ignored (MF-MSG-6).
  if (call.app !== 'comlink_ipc_v3') continue;
  if (call.type === 'shutdown') break;
  const result = call.function === 'add' ? call.args[0] + call.args[1] : call.args[0];
  const reply = packr.pack({
    app: call.app,
    id: call.id,
    type: call.type === 'heartbeat' ? 'heartbeat' : 'response',
    timestamp: Date.now() / 1000,
    result,
  });
  await router.send([id, empty, reply]);
}
router.close();
process.exit(0);
