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

  // Each message: `invalid <field>: <the field in words> <value> ...` (the editor shows the part after the field).
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['host', { host: 'camera.local' }, /^invalid host: host camera\.local is not an IPv4 address such as 192\.168\.43\.1$/],
    ['host', { host: undefined }, /^invalid host: host is required for LAN mode/],
    ['did', { did: 'LBCS-1' }, /^invalid did: camera id LBCS-1 is not PREFIX-SERIAL-CHECK such as LBCS-000000-CCCJJ/],
    ['did', { did: undefined }, /^invalid did: camera id is required, e.g. LBCS-000000-CCCJJ$/],
    ['ports[1]', { ports: [40611, 0] }, /^invalid ports\[1\]: port 0 is not 1–65535$/],
    ['ports[0]', { ports: [70000] }, /^invalid ports\[0\]: port 70000 is not 1–65535$/],
    ['ports[0]', { ports: 'abc' }, /^invalid ports\[0\]: port abc is not 1–65535$/],
    ['ports', { ports: [] }, /^invalid ports: ports \[\]: name at least one$/],
    ['modes', { modes: [] }, /enable at least one of LAN, P2P, relay/],
    ['modes[1]', { modes: ['lan', 'tcp'] }, /^invalid modes\[1\]: mode tcp is not lan, p2p or relay$/],
    ['maxConnectionTimeMs', { maxConnectionTimeMs: -1 }, /^invalid maxConnectionTimeMs: max\. connection time -1 is not 1–600000 ms$/],
    ['maxConnectionTimeMs', { maxConnectionTimeMs: 1e12 }, /is not 1–600000 ms/],
    ['attemptTimeoutMs.lan', { attemptTimeoutMs: { lan: 'soon' } }, /^invalid attemptTimeoutMs\.lan: attempt timeout soon is not a number$/],
    ['attemptTimeoutMs.tcp', { attemptTimeoutMs: { tcp: 5 } }, /tcp is not lan, p2p or relay/],
    ['servers[0]', { servers: ['127.0.0.1'] }, /^invalid servers\[0\]: server 127\.0\.0\.1 is not IPv4:port such as 10\.0\.0\.5:32100$/],
    [
      'servers[0]',
      { servers: 'rendezvous.example:32100' },
      /^invalid servers\[0\]: server rendezvous\.example:32100: rendezvous\.example is not an IPv4 address$/,
    ],
    ['lanDiscovery', { lanDiscovery: 'yes' }, /lanDiscovery yes is not true or false/],
  ];
  for (const [field, patch, message] of bad) {
    it(`names the field ${field} and its value`, () => {
      assert.throws(
        () => validateRaceConfig({ ...base, ...patch }),
        (err: unknown) => err instanceof ConfigError && err.field === field && message.test(err.message),
      );
    });
  }

  it('names every bad field at once, each with its value, in one ConfigError (the first is err.field)', () => {
    assert.throws(
      () =>
        validateRaceConfig({ ...base, host: '999.1.1.1', ports: '40611,70000,0', servers: 'rendezvous.example', maxConnectionTimeMs: -5, startupDelayMs: -5 }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.field, 'host');
        assert.deepEqual(
          err.problems.map((p) => [p.field, p.value]),
          [
            ['host', '999.1.1.1'],
            ['ports[1]', '70000'],
            ['ports[2]', '0'],
            ['servers[0]', 'rendezvous.example'],
            ['maxConnectionTimeMs', -5],
            ['startupDelayMs', -5],
          ],
        );
        assert.equal(
          err.message,
          'invalid host: host 999.1.1.1 is not an IPv4 address such as 192.168.43.1; invalid ports[1]: port 70000 is not 1–65535; invalid ports[2]: port 0 is not 1–65535; ' +
            'invalid servers[0]: server rendezvous.example is not IPv4:port such as 10.0.0.5:32100; invalid maxConnectionTimeMs: max. connection time -5 is not 1–600000 ms; ' +
            'invalid startupDelayMs: start-up delay -5 is not 0–300000 ms',
        );
        return true;
      },
    );
  });

  it('accepted forms: servers and relays as IPv4:port text (comma-separated) or {host, port}; timings as numbers or decimal text', () => {
    const config = validateRaceConfig({
      ...base,
      servers: ' 10.0.0.5:32100 ,10.0.0.6:32100',
      relays: [{ host: '10.0.0.7', port: '40001' }],
      startupDelayMs: '2.5',
    });
    assert.deepEqual(config.servers, [
      { host: '10.0.0.5', port: 32100 },
      { host: '10.0.0.6', port: 32100 },
    ]);
    assert.deepEqual(config.relays, [{ host: '10.0.0.7', port: 40001 }]);
    assert.equal(config.startupDelayMs, 2.5);
    assert.throws(() => validateRaceConfig({ ...base, startupDelayMs: '1e3' }), /start-up delay 1e3 is not a number/);
  });

  it('race() rejects bad input before opening any socket', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
    await assert.rejects(race({ ...base, ports: [0] }), ConfigError);
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length, before);
  });
});
