/**
 * Preloaded (`node -r`) into `node-red-dev validate` so the Flow Library scorecard runs offline
 * and sends nothing off this host (the suite's network rule).
 *
 * node-red-dev 0.1.6 makes two kinds of look-up with axios:
 * - `https://catalogue.nodered.org/catalogue.json` (P08 similar package names, N01 duplicate
 *   node types). Served from the JSON file named by `TRAILCAM_SCORECARD_CATALOGUE`: the suite
 *   builds it from the node types of the Node-RED it tests with (the core nodes are the ones a
 *   user's palette always has), so N01 still checks something real; a test adds a clashing
 *   module to prove the check reads it.
 * - `https://registry.npmjs.org/node-red` (P06 supported Node-RED versions, P07 Node.js floor).
 *   Served from the installed `node-red` package: the version this project is tested on is
 *   the `latest` dist-tag, and its `engines.node` is the floor.
 * Any other URL, and any HTTP(S) request that is not one of these, fails with an error naming
 * it; nothing reaches the network.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const devRoot = path.dirname(require.resolve('node-red-dev/package.json'));
// axios as node-red-dev resolves it (its own copy), so the patch is the one it calls.
const axios = require(require.resolve('axios', { paths: [devRoot] })) as { get: (url: string) => Promise<unknown> };

function catalogue(): unknown {
  const file = process.env.TRAILCAM_SCORECARD_CATALOGUE;
  if (!file) throw new Error('node-red-dev offline stub: TRAILCAM_SCORECARD_CATALOGUE is not set');
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function nodeRedRegistryDocument(): unknown {
  const nodeRed = JSON.parse(fs.readFileSync(require.resolve('node-red/package.json'), 'utf8')) as { version: string; engines: unknown };
  return {
    name: 'node-red',
    'dist-tags': { latest: nodeRed.version },
    versions: { [nodeRed.version]: { version: nodeRed.version, engines: nodeRed.engines } },
  };
}

axios.get = async (url: string): Promise<unknown> => {
  if (url === 'https://catalogue.nodered.org/catalogue.json') return { status: 200, data: catalogue() };
  if (url === 'https://registry.npmjs.org/node-red') return { status: 200, data: nodeRedRegistryDocument() };
  throw new Error(`node-red-dev offline stub: no answer for ${url} (nothing is sent off this host)`);
};

// Belt and braces: whatever else node-red-dev or its dependencies try (npm-check, npm-remote-ls)
// fails at once instead of reaching the network.
// The modules themselves (require), not TypeScript's read-only import namespaces.
for (const module of [require('node:http'), require('node:https')] as { request: unknown; get: unknown }[]) {
  const refuse = (...args: unknown[]): never => {
    const target = args[0];
    const where =
      typeof target === 'string' ? target : target instanceof URL ? target.href : JSON.stringify((target as { host?: string; hostname?: string }) ?? {});
    throw new Error(`node-red-dev offline stub: refused a request to ${where}`);
  };
  module.request = refuse;
  module.get = refuse;
}
