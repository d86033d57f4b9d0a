import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { Link } from '../../src/engine';
import { encode, parseDid, type Message } from '../../src/protocol';
import { settledHandles } from '../helpers/udp';

const DID = parseDid('LBCS-000000-CCCJJ');

function bound(): Promise<Socket> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket)));
}

/** Sends `datagrams` from `from` to the link, then an ALIVE, and resolves once the link's ALIVE_ACK is back: the link has read them all, in order. */
function deliver(from: Socket, link: Link, datagrams: Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    const onAck = (bytes: Buffer): void => {
      if (bytes[1] !== 0xe1) return; // ALIVE_ACK
      from.off('message', onAck);
      resolve();
    };
    from.on('message', onAck);
    for (const datagram of [...datagrams, encode({ type: 'ALIVE' })]) from.send(datagram, link.localPort, '127.0.0.1');
  });
}

describe('engine: Link before and after a session takes over (issue 16)', () => {
  it('with nobody listening it reads only the header: answers ALIVE, counts the rest; with a listener it decodes and emits every message', async () => {
    const before = await settledHandles();
    const camera = await bound();
    const stranger = await bound();
    const link = new Link(await bound(), 'lan', { host: '127.0.0.1', port: camera.address().port }, DID);
    try {
      const ready = encode({ type: 'P2P_RDY', did: DID });
      const shortPunch = Buffer.from('f1410002abcd', 'hex'); // a good header, a PUNCH_PKT payload too short to decode
      const badMagic = Buffer.from('e1410000', 'hex');
      stranger.send(ready, link.localPort, '127.0.0.1');
      await deliver(camera, link, [ready, ready, shortPunch, badMagic]);
      assert.deepEqual(
        { received: link.counters.received, malformed: link.counters.malformed },
        { received: 4, malformed: 1 },
        'the P2P_RDY copies, the short punch (header only) and the ALIVE are received; the bad magic is malformed',
      );

      const messages: Message[] = [];
      link.on('message', (message) => messages.push(message));
      await deliver(camera, link, [ready, shortPunch]);
      assert.deepEqual(
        messages.map((m) => m.type),
        ['P2P_RDY', 'ALIVE'],
      );
      assert.deepEqual(messages[0], { type: 'P2P_RDY', did: DID });
      assert.deepEqual(
        { received: link.counters.received, malformed: link.counters.malformed },
        { received: 6, malformed: 2 },
        'with a listener the short punch is decoded, and malformed',
      );
      // The stranger's datagram was sent first: by now it has been read and dropped.
      assert.equal(link.counters.foreign, 1);
    } finally {
      await link.close();
      await Promise.all([camera, stranger].map((s) => new Promise<void>((done) => s.close(() => done()))));
    }
    assert.deepEqual(await settledHandles(), before);
  });

  it('answers each P2P_RDY copy from the camera with ALIVE, as the vendor app does (pppp.md §6.1 step 7), until a session takes over', async () => {
    const camera = await bound();
    const link = new Link(await bound(), 'lan', { host: '127.0.0.1', port: camera.address().port }, DID);
    const answers: number[] = [];
    camera.on('message', (bytes) => answers.push(bytes[1]));
    try {
      const ready = encode({ type: 'P2P_RDY', did: DID });
      await deliver(camera, link, [ready, ready]);
      assert.deepEqual(answers, [0xe0, 0xe0, 0xe1], 'two ALIVE for the two copies, then the ALIVE_ACK');
      link.autoAnswerAlive = false; // a session answers from now on (Session answers the copies itself)
      const sent = link.counters.sent;
      const read = new Promise<Message>((resolve) => link.once('message', resolve));
      camera.send(ready, link.localPort, '127.0.0.1');
      assert.equal((await read).type, 'P2P_RDY');
      assert.equal(link.counters.sent, sent, 'the link answered a copy after a session took over');
    } finally {
      await link.close();
      await new Promise<void>((done) => camera.close(() => done()));
    }
  });
});
