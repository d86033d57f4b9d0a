'use strict';
// Node-RED settings for `npm start` (scripts/start.js): a scratch user directory, the editor on
// 127.0.0.1 only, this package loaded from the project root, and nothing that prompts.
const path = require('node:path');

const projectRoot = path.resolve(__dirname, '..');

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
};
