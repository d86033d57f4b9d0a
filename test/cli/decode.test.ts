import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { repoRoot } from '../helpers/fixtures';

function capture(): { io: { stdout: { write(t: string): void }; stderr: { write(t: string): void } }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (t: string) => void (out += t) }, stderr: { write: (t: string) => void (err += t) } },
    out: () => out,
    err: () => err,
  };
}

const signal = new AbortController().signal;

describe('cli: trailcam decode', () => {
  it('prints one JSON object per datagram', async () => {
    const c = capture();
    const code = await main(
      ['decode', '--json', 'f14100144c42435300000000000000004343434a4a000000', 'f1e00000'],
      c.io,
      signal,
    );
    assert.equal(code, 0);
    const lines = c.out().trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines, [
      { code: 0x41, name: 'PUNCH_PKT', length: 20, did: 'LBCS-000000-CCCJJ' },
      { code: 0xe0, name: 'ALIVE', length: 0 },
    ]);
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

  it("runs as the installed binary (dist/src/cli/main.js)", async () => {
    const bin = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
    const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [bin, 'decode', '--json', 'f1f00000'], (error, stdout) =>
        resolve({ code: error ? Number(error.code) : 0, stdout }),
      );
    });
    assert.equal(result.code, 0);
    assert.deepEqual(JSON.parse(result.stdout), { code: 0xf0, name: 'CLOSE', length: 0 });
  });
});
