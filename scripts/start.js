#!/usr/bin/env node
'use strict';
// `npm start`: a simulated KJK230 (camera, rendezvous server and relay on 127.0.0.1) and
// Node-RED with this package loaded from the checkout and a demo flow that races the
// simulated camera every 5 s. The simulated network changes every 20 s so the winning mode and
// the availability change. Ctrl-C stops Node-RED and the simulator.
//
// A second, battery camera sleeps until the demo's wake node wakes it over Bluetooth: the BLE
// side is simulated (demo-settings.js runs that sleeping camera inside Node-RED's process, where
// the wake node can reach its fake peripheral; this script only picks its port).
//
// Options: --port N (editor port, default 1880; 0 = any free port), --user-dir DIR (scratch
// Node-RED user directory, default .trailcam-demo), --scenario-ms MS (0 = keep every path up).
// TRAILCAM_BUILD_DIR names the compiled output (default dist).

const { spawn } = require('node:child_process');
const dgram = require('node:dgram');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

const root = path.resolve(__dirname, '..');
const build = path.resolve(root, process.env.TRAILCAM_BUILD_DIR || 'dist');
const redJs = require.resolve('node-red/red.js', { paths: [root] });

/** The simulated network, in turn: which paths are down. */
const SCENARIOS = [
  { name: 'everything up (LAN is the fastest path)', down: [] },
  { name: 'LAN down (P2P or relay can still win)', down: ['lan'] },
  { name: 'LAN and P2P down (only the relay can win)', down: ['lan', 'p2p'] },
  { name: 'everything down (the camera is unreachable)', down: ['lan', 'p2p', 'relay'] },
];

function fail(message) {
  process.stderr.write(`trailcam demo: ${message}\n`);
  process.exit(1);
}

function options() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '1880' },
      'user-dir': { type: 'string', default: path.join(root, '.trailcam-demo') },
      'scenario-ms': { type: 'string', default: '20000' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid --port ${values.port}`);
  const scenarioMs = Number(values['scenario-ms']);
  if (!Number.isFinite(scenarioMs) || scenarioMs < 0) fail(`invalid --scenario-ms ${values['scenario-ms']}`);
  return { port, userDir: path.resolve(values['user-dir']), scenarioMs };
}

function checkProject() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  if (!pkg['node-red'] || !pkg['node-red'].nodes) fail('package.json has no "node-red" section, so Node-RED would not load the nodes');
  for (const file of Object.values(pkg['node-red'].nodes)) {
    if (!fs.existsSync(path.join(root, file))) fail(`${file} is missing: run \`npm run build\` first`);
  }
  if (!fs.existsSync(path.join(build, 'src', 'sim', 'index.js'))) fail(`${path.relative(root, build)}/src/sim is missing: run \`npm run build\` first`);
}

/** The battery camera of the demo (its DID differs from the mains camera's). */
const BATTERY_DID = 'LBCS-000001-CCCJJ';

/** A UDP port on 127.0.0.1 that is free now (bound and released), for the sleeping camera's session socket. */
function freeUdpPort() {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** Writes the demo flow, aimed at the simulator's addresses, into the user directory. */
function writeFlow(userDir, sim, batteryPort) {
  const camera = sim.cameras[0];
  const template = fs.readFileSync(path.join(__dirname, 'demo-flow.json'), 'utf8');
  const flow = template
    .replace('@DID@', camera.did)
    .replace('@PORTS@', String(camera.sessionPort))
    .replace('@SERVERS@', sim.servers.map((s) => `${s.host}:${s.port}`).join(','))
    .replace('@BATTERY_DID@', BATTERY_DID)
    .replace('@BATTERY_PORTS@', String(batteryPort));
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, 'flows.json'), flow);
}

async function main() {
  const { port, userDir, scenarioMs } = options();
  checkProject();
  const { createSimulation } = require(path.join(build, 'src', 'sim'));
  const { ArtemisCameraService } = require(path.join(build, 'src', 'artemis'));
  let session = 0;
  const sim = await createSimulation({
    host: '127.0.0.1',
    cameras: [{ did: 'LBCS-000000-CCCJJ', services: { 0: () => new ArtemisCameraService({ seed: (session += 1) }) } }],
    servers: 1,
    relays: 1,
    seed: 42,
    // Short LAN handshake; the internet paths a little slower, as they would be.
    fast: true,
    paths: { p2p: { delayMs: 15, jitterMs: 5 }, relay: { delayMs: 30, jitterMs: 10 } },
  });
  const batteryPort = await freeUdpPort();
  writeFlow(userDir, sim, batteryPort);
  const camera = sim.cameras[0];
  process.stdout.write(
    `trailcam demo: simulated camera ${camera.did} on 127.0.0.1:${camera.sessionPort}, ` +
      `rendezvous server ${sim.servers[0].host}:${sim.servers[0].port}, relay ${sim.relays[0].host}:${sim.relays[0].port}\n` +
      `trailcam demo: simulated battery camera ${BATTERY_DID} on 127.0.0.1:${batteryPort}, asleep until the wake node wakes it (the Bluetooth side is simulated)\n`,
  );

  const child = spawn(process.execPath, [redJs, '-u', userDir, '-s', path.join(__dirname, 'demo-settings.js'), '-p', String(port), 'flows.json'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TRAILCAM_DEMO_BATTERY: JSON.stringify({ did: BATTERY_DID, sessionPort: batteryPort, build }) },
  });
  const forward = (from, to) => {
    let buffered = '';
    from.setEncoding('utf8');
    from.on('data', (chunk) => {
      buffered += chunk;
      let end;
      while ((end = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        to.write(`${line}\n`);
        const running = /Server now running at (\S+)/.exec(line);
        if (running) process.stdout.write(`trailcam demo: open the editor at ${running[1]} (Ctrl-C stops everything)\n`);
      }
    });
  };
  forward(child.stdout, process.stdout);
  forward(child.stderr, process.stderr);

  let turn = 0;
  const rotate = () => {
    const scenario = SCENARIOS[turn % SCENARIOS.length];
    turn += 1;
    for (const name of ['lan', 'p2p', 'relay']) sim.setPath(name, { down: scenario.down.includes(name) });
    process.stdout.write(`trailcam demo: network now ${scenario.name}\n`);
  };
  const scenarios = scenarioMs > 0 ? setInterval(rotate, scenarioMs) : undefined;

  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    clearInterval(scenarios);
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  child.on('exit', (code, signal) => {
    clearInterval(scenarios);
    sim.close().then(
      () => process.exit(stopping ? 0 : (code ?? (signal ? 1 : 0))),
      () => process.exit(1),
    );
  });
}

main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
