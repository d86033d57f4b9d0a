/**
 * One part of the simulator on one host of the network test bed (run with
 * `ip netns exec NS node dist/test/net/sim-part.js --part camera|server|relay …`), built from the
 * simulator's own classes (src/sim): a camera pointed at a remote rendezvous server, a
 * rendezvous server that lists a remote relay, or a relay, each on the address it is given.
 * Prints one JSON ready line, stops on SIGTERM/SIGINT. (The test bed's stand-in until
 * `trailcam sim` runs single parts on any address.)
 */
import { parseArgs } from 'node:util';
import { FAST_CAMERA, Path, seededRandom, SimCamera } from '../../src/sim';
import { RelayServer } from '../../src/sim/relay';
import { RendezvousServer } from '../../src/sim/rendezvous';

const { values } = parseArgs({
  options: {
    part: { type: 'string' },
    host: { type: 'string' },
    did: { type: 'string' },
    server: { type: 'string' },
    relay: { type: 'string' },
    port: { type: 'string' },
    'p2p-delay': { type: 'string' },
    'relay-delay': { type: 'string' },
    fast: { type: 'boolean', default: false },
    seed: { type: 'string' },
  },
  strict: true,
});

function endpoint(flag: string, text: string | undefined): { host: string; port: number } {
  const match = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(text ?? '');
  if (!match) throw new Error(`--${flag} must be HOST:PORT, got ${JSON.stringify(text)}`);
  return { host: match[1], port: Number(match[2]) };
}

async function main(): Promise<void> {
  const host = values.host;
  if (!host) throw new Error('--host is required');
  const random = seededRandom(Number(values.seed ?? 1));
  const port = Number(values.port ?? 0);
  let stop: () => Promise<void>;
  let ready: Record<string, unknown>;
  switch (values.part) {
    case 'relay': {
      const relay = new RelayServer(host, new Path('relay', { delayMs: Number(values['relay-delay'] ?? 0) }, random), random);
      await relay.start(port);
      stop = () => relay.close();
      ready = { ready: true, part: 'relay', ...relay.address };
      break;
    }
    case 'server': {
      const relay = endpoint('relay', values.relay);
      const server = new RendezvousServer(host, () => [relay]);
      await server.start(port);
      stop = () => server.close();
      ready = { ready: true, part: 'server', ...server.address };
      break;
    }
    case 'camera': {
      const camera = new SimCamera(
        { ...(values.fast ? FAST_CAMERA : {}), did: values.did, searchPort: 32108, sessionPort: 40611 },
        { host, lan: new Path('lan', {}, random), p2p: new Path('p2p', { delayMs: Number(values['p2p-delay'] ?? 0) }, random), servers: [endpoint('server', values.server)] },
      );
      await camera.start();
      stop = () => camera.stop();
      ready = { ready: true, part: 'camera', did: camera.did, host, searchPort: camera.searchPort, sessionPort: camera.sessionPort, wanPort: camera.wanPort };
      break;
    }
    default:
      throw new Error(`--part must be camera, server or relay, got ${JSON.stringify(values.part)}`);
  }
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  const onSignal = (): void => {
    void stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

main().catch((err: unknown) => {
  process.stderr.write(`sim-part: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
