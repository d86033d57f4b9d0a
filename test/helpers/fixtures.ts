import * as fs from 'node:fs';
import * as path from 'node:path';
import { seededRandom } from '../../src/random';

/** The repository root: the nearest folder above this file whose package.json is ours (else the cwd). */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      try {
        if (JSON.parse(fs.readFileSync(candidate, 'utf8')).name === 'node-red-contrib-trailcam') return dir;
      } catch {
        /* not ours */
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Reads a JSON fixture from test/fixtures (copies of ../shared/protocol). */
export function loadFixture<T = unknown>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', name), 'utf8')) as T;
}

/** Seeded pseudo-random bytes (src/random.ts), so a lost, duplicated or reordered packet shows in a transfer. */
export function seededBytes(bytes: number, seed: number): Buffer {
  const next = seededRandom(seed);
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 1) out[i] = Math.floor(next() * 256);
  return out;
}
