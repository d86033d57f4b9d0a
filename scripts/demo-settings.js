'use strict';
// Node-RED settings for `npm start` (scripts/start.js): a scratch user directory, the editor on
// 127.0.0.1 only, this package loaded from the project root, and nothing that prompts.
const path = require('node:path');

const projectRoot = path.resolve(__dirname, '..');

/**
 * The demo's battery camera (scripts/start.js picks its DID, port and the build directory): a
 * sleeping simulated KJK230 in Node-RED's own process, because the trailcam-wake node reaches a
 * camera only through its BLE transport, and the simulator's fake BLE peripheral is an object in
 * the process that runs it. Its Wi-Fi side stays silent until a wake; the BLE answer comes after
 * the real app's delays. Not started when Node-RED runs these settings without the start script.
 */
function sleepingBatteryCamera() {
  const spec = process.env.TRAILCAM_DEMO_BATTERY;
  if (!spec) return undefined;
  const { did, sessionPort, build } = JSON.parse(spec);
  const { createSimulation } = require(path.join(build, 'src', 'sim'));
  const { ArtemisCameraService } = require(path.join(build, 'src', 'artemis'));
  let session = 0;
  const sim = createSimulation({
    host: '127.0.0.1',
    cameras: [{ did, sessionPort, searchPort: 0, services: { 0: () => new ArtemisCameraService({ seed: 100 + (session += 1) }) } }],
    servers: 0,
    relays: 0,
    seed: 7,
    fast: true,
    sleeping: true,
  });
  sim.catch((err) => process.stderr.write(`trailcam demo: the sleeping battery camera did not start: ${err && err.message}\n`));
  return sim;
}

const battery = sleepingBatteryCamera();

module.exports = {
  uiHost: '127.0.0.1',
  flowFile: 'flows.json',
  // Credentials (the camera's ARTEMIS login) stay unencrypted in the scratch directory: no prompt.
  credentialSecret: false,
  // Loads node-red-contrib-trailcam from this checkout (package.json "node-red" section).
  nodesDir: [projectRoot],
  // Telemetry statistics survive restarts of the demo.
  contextStorage: { default: { module: 'localfilesystem' } },
  telemetry: { enabled: false },
  diagnostics: { enabled: false },
  editorTheme: { tours: false, projects: { enabled: false } },
  logging: { console: { level: 'info', metrics: false, audit: false } },
  functionExternalModules: false,
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  // The wake node's BLE central: the sleeping simulated camera's fake peripheral (see above).
  ...(battery ? { trailcamWake: { transport: () => battery.then((sim) => sim.bleTransport()) } } : {}),
};
