import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../src/errors';
import { HaPublisher, validateHaSettings, type HaOrigin, type HaStep } from '../src/ha';
import { formatDid } from '../src/protocol';
import { findCamera, runtimeOf, type UsesCamera } from './lib/camera-node';
import type { Node, NodeAPI, NodeMessage, NodeStatus } from './lib/red';
import { configErrorStatus, invalidFieldsText } from './lib/status';

interface HaConfig extends UsesCamera {
  name?: string;
  /** Site id: part of every topic and unique_id, so several Node-RED instances can share a broker. */
  site?: string;
  /** Home Assistant's discovery prefix. */
  discoveryPrefix?: string;
}

/** The discovery payloads' `origin` block: this package and its version. */
function packageOrigin(): HaOrigin {
  try {
    // dist/nodes/trailcam-ha.js → the package root's package.json (also when installed).
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { name?: string; version?: string; bugs?: { url?: string } };
    return { name: pkg.name ?? 'node-red-contrib-trailcam', sw_version: pkg.version, support_url: pkg.bugs?.url };
  } catch {
    return { name: 'node-red-contrib-trailcam' };
  }
}

/**
 * trailcam-ha: shapes one camera's messages for Home Assistant's MQTT discovery. Input: the
 * camera's trailcam-status, trailcam-connect and trailcam-command deviceInfo messages, the
 * birth messages (Home Assistant's `homeassistant/status` and this site's bridge status from
 * Node-RED's own mqtt-broker node) and `msg.action` announce / remove. Output: ready
 * `{topic, payload, qos, retain}` messages for Node-RED's core `mqtt out` node, which owns the
 * broker connection. It keeps the camera's last readings, so a birth re-publishes everything.
 */
module.exports = (RED: NodeAPI): void => {
  function TrailcamHaNode(this: Node, config: HaConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const publisher = createPublisher(RED, config);
    if (publisher instanceof ConfigError) {
      node.status(configErrorStatus(invalidFieldsText(publisher)));
      node.error(publisher.message);
    } else {
      node.status({ fill: 'grey', shape: 'ring', text: RED._('trailcam-ha.status.waiting') });
    }

    node.on('input', (msg, send, done) => {
      if (publisher instanceof ConfigError) {
        done(publisher);
        return;
      }
      let step: HaStep;
      try {
        step = publisher.handle(msg);
      } catch (err) {
        done(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      const status = stepStatus(RED, step, publisher);
      if (status) node.status(status);
      for (const message of step.messages) send({ ...message } as NodeMessage);
      done();
    });

    node.on('close', (_removed: boolean, done: () => void): void => {
      done();
    });
  }

  RED.nodes.registerType('trailcam-ha', TrailcamHaNode);
};

function createPublisher(RED: NodeAPI, config: HaConfig): HaPublisher | ConfigError {
  const runtime = runtimeOf(findCamera(RED, config.camera));
  if (runtime instanceof ConfigError) return runtime;
  try {
    const settings = validateHaSettings({ site: config.site, discoveryPrefix: config.discoveryPrefix, origin: packageOrigin() });
    return new HaPublisher(settings, { did: formatDid(runtime.settings.race.did), name: runtime.name });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
}

function stepStatus(RED: NodeAPI, step: HaStep, publisher: HaPublisher): NodeStatus | null {
  const { input } = step;
  if (input.kind === 'remove') return { fill: 'grey', shape: 'dot', text: RED._('trailcam-ha.status.removed') };
  if (input.kind === 'announce') {
    if (publisher.removed) return null;
    return { fill: 'green', shape: 'dot', text: RED._('trailcam-ha.status.announced', { count: step.messages.length, by: input.by }) };
  }
  const availability = input.kind === 'update' ? input.readings.availability : undefined;
  if (availability && !publisher.removed)
    return { fill: availability === 'offline' ? 'red' : 'green', shape: availability === 'online' ? 'dot' : 'ring', text: availability };
  return null;
}
