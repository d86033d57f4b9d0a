import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { loadFixture, repoRoot } from '../helpers/fixtures';
import { capture } from '../helpers/cli';

const signal = new AbortController().signal;

describe('cli: trailcam decode', () => {
  it('prints one JSON object per datagram', async () => {
    const c = capture();
    const code = await main(['decode', '--json', 'f14100144c42435300000000000000004343434a4a000000', 'f1e00000'], c.io, signal);
    assert.equal(code, 0);
    const lines = c
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines, [
      { code: 0x41, name: 'PUNCH_PKT', length: 20, did: 'LBCS-000000-CCCJJ' },
      { code: 0xe0, name: 'ALIVE', length: 0 },
    ]);
  });

  it('--json renders DIDs as text, addresses as {host, port}, unknown codes generically, the F9 report decrypted', async () => {
    const vectors = loadFixture<{ type: string; hex: string }[]>('vectors.json');
    const report = vectors.find((v) => v.type === '0xf9');
    assert.ok(report);
    const c = capture();
    const code = await main(
      [
        'decode',
        '--json',
        'f143002c4c42435300000000000000004343434a4a0000000002a39e012ba8c000000000000000000000000000000000',
        'f1690014 01000000 0002d204 0100007f 0000000000000000',
        '0xf1:3f:00:02:ab:cd',
        report.hex,
      ],
      c.io,
      signal,
    );
    assert.equal(code, 0, c.err());
    const [tryLanTcp, list, unknown, f9] = c
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(tryLanTcp, { code: 0x43, name: 'TRY_LAN_TCP', length: 44, did: 'LBCS-000000-CCCJJ', address: { host: '192.168.43.1', port: 40611 } });
    assert.deepEqual(list, { code: 0x69, name: 'LIST_REQ_ACK', length: 20, relays: [{ host: '127.0.0.1', port: 1234 }] });
    assert.deepEqual(unknown, { code: 0x3f, name: 'UNKNOWN', length: 2, payload: 'abcd' });
    assert.equal(f9.code, 0xf9);
    assert.equal(f9.name, 'REPORT_SESSION_READY');
    assert.equal(f9.length, 84);
    assert.equal(f9.report.did, 'LBCS-000000-CCCJJ');
    assert.deepEqual(Object.keys(f9.report.localAddress).sort(), ['host', 'port']);
  });

  it('a DNS packet that starts with 0xF1 is a clean error (exit 2); the good datagrams around it are still printed', async () => {
    const c = capture();
    const dns = 'f1fe01000001000000000000037777770667697468756203636f6d0000010001';
    assert.equal(await main(['decode', 'f1e00000', dns, 'f1e10000'], c.io, signal), 2);
    assert.equal(c.out(), '0xe0 ALIVE len=0\n0xe1 ALIVE_ACK len=0\n');
    assert.match(
      c.err(),
      /^trailcam decode: datagram 2: cannot decode PPPP datagram \(type 0xfe\) at byte 2: length field says 256 payload bytes, datagram has 28\n$/,
    );
  });

  it('prints a readable line without --json', async () => {
    const c = capture();
    assert.equal(await main(['decode', 'f1d1000cd10000040002000300040005'], c.io, signal), 0);
    assert.equal(c.out(), '0xd1 DRW_ACK len=12 channel=0 indices=[2,3,4,5]\n');
  });

  it('exits 2 with a clear message on invalid hex or an undecodable datagram', async () => {
    for (const [arg, message] of [
      ['f1zz', /datagram 1: invalid hex "f1zz": contains a character that is not a hex digit/],
      ['f14', /odd number of hex digits/],
      ['f1410014', /length field says 20 payload bytes/],
    ] as const) {
      const c = capture();
      assert.equal(await main(['decode', arg], c.io, signal), 2, arg);
      assert.match(c.err(), message);
    }
  });

  it('exits 2 on an unknown flag and on no datagram', async () => {
    const c = capture();
    assert.equal(await main(['decode', '--bogus', 'f1e00000'], c.io, signal), 2);
    assert.match(c.err(), /bogus/);
    assert.equal(await main(['decode'], capture().io, signal), 2);
  });

  it('has --help for the tool and the subcommand', async () => {
    const c = capture();
    assert.equal(await main(['--help'], c.io, signal), 0);
    assert.match(c.out(), /decode/);
    const d = capture();
    assert.equal(await main(['decode', '--help'], d.io, signal), 0);
    assert.match(d.out(), /--json/);
  });

  it('a reader that stops reading early (| head -1) ends nothing badly: exit 0, no stack trace', async () => {
    const bin = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
    const child = spawn(process.execPath, [bin, 'decode', ...Array.from({ length: 20_000 }, () => 'f1e00000')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', () => child.stdout.destroy()); // the first line read, the pipe closed
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });

  it("`trailcam help decode` prints the command's own help", async () => {
    const c = capture();
    assert.equal(await main(['help', 'decode'], c.io, signal), 0);
    assert.match(c.out(), /--json/);
    assert.doesNotMatch(c.out(), /^Usage: trailcam <command>/);
  });

  it('runs as the installed binary (dist/src/cli/main.js)', async () => {
    const bin = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
    const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [bin, 'decode', '--json', 'f1f00000'], (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }));
    });
    assert.equal(result.code, 0);
    assert.deepEqual(JSON.parse(result.stdout), { code: 0xf0, name: 'CLOSE', length: 0 });
  });
});
