import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors';
import { ENGINE_DEFAULTS, race, validateRaceConfig } from '../../src/engine';

const base = { host: '127.0.0.1', did: 'LBCS-000000-CCCJJ' };

describe('engine: config validation', () => {
  it('fills the documented defaults', () => {
    const config = validateRaceConfig(base);
    assert.deepEqual(config.ports, [...ENGINE_DEFAULTS.ports]);
    assert.deepEqual(config.modes, ['lan', 'p2p', 'relay']);
    assert.equal(config.maxConnectionTimeMs, 30_000);
    assert.deepEqual(config.attemptTimeoutMs, { lan: 1500, p2p: 1500, relay: 1500 });
    assert.equal(config.reportSessionReady, false);
    assert.equal(config.lanDiscovery, false);
  });

  it('accepts strings from forms and flags', () => {
    const config = validateRaceConfig({ ...base, ports: '40611, 32108', servers: '127.0.0.1:32100', modes: 'lan,relay', maxConnectionTimeMs: '5000' });
    assert.deepEqual(config.ports, [40611, 32108]);
    assert.deepEqual(config.servers, [{ host: '127.0.0.1', port: 32100 }]);
    assert.deepEqual(config.modes, ['lan', 'relay']);
    assert.equal(config.maxConnectionTimeMs, 5000);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['host', { host: 'camera.local' }, /invalid host "camera.local": must be an IPv4 address/],
    ['host', { host: undefined }, /host.*required for LAN mode/],
    ['did', { did: 'LBCS-1' }, /invalid did "LBCS-1": expected PREFIX-SERIAL-CHECK/],
    ['did', { did: undefined }, /invalid did \(missing\)/],
    ['ports[1]', { ports: [40611, 0] }, /invalid ports\[1\] 0: must be a port number 1-65535/],
    ['ports[0]', { ports: [70000] }, /invalid ports\[0\] 70000/],
    ['ports[0]', { ports: 'abc' }, /invalid ports\[0\] "abc"/],
    ['ports', { ports: [] }, /invalid ports \[\]: must name at least one port/],
    ['modes', { modes: [] }, /enable at least one mode/],
    ['modes', { modes: ['lan', 'tcp'] }, /unknown mode "tcp"/],
    ['maxConnectionTimeMs', { maxConnectionTimeMs: -1 }, /invalid maxConnectionTimeMs -1: must be between/],
    ['maxConnectionTimeMs', { maxConnectionTimeMs: 1e12 }, /must be between/],
    ['attemptTimeoutMs.lan', { attemptTimeoutMs: { lan: 'soon' } }, /invalid attemptTimeoutMs.lan "soon"/],
    ['attemptTimeoutMs.tcp', { attemptTimeoutMs: { tcp: 5 } }, /unknown mode/],
    ['servers[0]', { servers: ['127.0.0.1'] }, /invalid servers\[0\] "127.0.0.1": must be host:port/],
    ['lanDiscovery', { lanDiscovery: 'yes' }, /must be true or false/],
  ];
  for (const [field, patch, message] of bad) {
    it(`names the field ${field} and its value`, () => {
      assert.throws(
        () => validateRaceConfig({ ...base, ...patch }),
        (err: unknown) => err instanceof ConfigError && err.field === field && message.test(err.message),
      );
    });
  }

  it('race() rejects bad input before opening any socket', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
    await assert.rejects(race({ ...base, ports: [0] }), ConfigError);
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length, before);
  });
});
