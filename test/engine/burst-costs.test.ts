import assert from 'node:assert/strict';
import os from 'node:os';
import sinon from 'sinon';
import { validateRaceConfig } from '../../src/engine';
import { getEventListeners } from 'node:events';
import { Attempt, AttemptTimeout, encodeOnce } from '../../src/engine/attempt';
import { AbortError } from '../../src/errors';
import { unusableTarget } from '../../src/engine/targets';
import { encode, parseDid } from '../../src/protocol';

describe('engine: what a burst of races no longer pays for (issue 16)', () => {
  afterEach(() => sinon.restore());

  it('a validated config is frozen all the way down and passes validateRaceConfig again as itself; a changed copy is checked again', () => {
    const config = validateRaceConfig({ host: '127.0.0.1', did: 'LBCS-000000-CCCJJ', servers: ['127.0.0.1:32100'] });
    assert.equal(validateRaceConfig(config), config);
    for (const part of [config, config.ports, config.modes, config.servers, config.servers[0], config.attemptTimeoutMs, config.staggerMs, config.did]) {
      assert.ok(Object.isFrozen(part));
    }
    assert.throws(() => (config.ports as number[]).push(1), TypeError);
    assert.throws(() => validateRaceConfig({ ...config, ports: [70_000] }), /port 70000/);
  });

  it('encodeOnce gives the bytes encode gives, and the same buffer for every repeat of a constant datagram or a punch of one DID', () => {
    const did = parseDid('LBCS-000000-CCCJJ');
    for (const message of [{ type: 'PUNCH_PKT', did } as const, { type: 'LAN_SEARCH' } as const, { type: 'HELLO' } as const, { type: 'CLOSE' } as const]) {
      assert.deepEqual(encodeOnce(message), encode(message));
      assert.equal(encodeOnce(message), encodeOnce(message), message.type);
    }
    const other = parseDid('LBCS-000001-CCCJJ');
    assert.notDeepEqual(encodeOnce({ type: 'PUNCH_PKT', did: other }), encodeOnce({ type: 'PUNCH_PKT', did }));
    const hello = { type: 'HELLO_ACK', address: { host: '127.0.0.1', port: 1 } } as const;
    assert.notEqual(encodeOnce(hello), encodeOnce(hello), 'a message with fields is encoded each time');
  });

  it('the subnet broadcast addresses are read once per second, not per target', () => {
    const clock = sinon.useFakeTimers({ now: Date.UTC(2100, 0, 1), toFake: ['Date'] });
    const nic = {
      address: '198.51.100.7',
      netmask: '255.255.255.0',
      family: 'IPv4',
      mac: '00:00:00:00:00:00',
      internal: false,
      cidr: '198.51.100.7/24',
    } as const;
    const read = sinon.stub(os, 'networkInterfaces').returns({ test0: [nic] });
    assert.match(unusableTarget({ host: '198.51.100.255', port: 1 }) ?? '', /subnet broadcast/);
    assert.equal(unusableTarget({ host: '198.51.100.8', port: 1 }), undefined);
    assert.equal(read.callCount, 1);
    clock.tick(1_001);
    unusableTarget({ host: '198.51.100.8', port: 1 });
    assert.equal(read.callCount, 2);
  });

  it('an attempt keeps its own timeout: expire() rejects its waits with the AttemptTimeout and closes it; a wait adds no abort listener', async () => {
    const controller = new AbortController();
    const attempt = await Attempt.open('127.0.0.1', controller.signal);
    const waiting = attempt.receive('P2P_RDY', () => undefined);
    const second = attempt.receive('PUNCH_PKT', () => undefined);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1, 'only the attempt listens to the signal, not each wait');
    const timeout = new AttemptTimeout(1500, 'answer');
    await attempt.expire(timeout);
    await assert.rejects(waiting, (err: unknown) => err === timeout);
    await assert.rejects(second, (err: unknown) => err === timeout);
    assert.equal(attempt.expiredBy, timeout);
    assert.equal(attempt.closed, true);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'the attempt left its listener behind');
    await assert.rejects(
      attempt.receive('late', () => undefined),
      (err: unknown) => err === timeout,
    );

    const aborted = await Attempt.open('127.0.0.1', controller.signal);
    const wait = aborted.receive('P2P_RDY', () => undefined);
    controller.abort(new Error('race over'));
    await assert.rejects(wait, AbortError);
    assert.equal(aborted.expiredBy, undefined, 'an abort is not a timeout');
    assert.equal(aborted.closed, true);
  });
});
