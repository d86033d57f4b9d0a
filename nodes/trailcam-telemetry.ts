import { ConfigError } from '../src/errors';
import { telemetryIntervalProblems, telemetryIntervalS, throwProblems } from '../src/validation';
import type { CameraRuntime } from '../src/runtime';
import { summarizeTelemetry, type TelemetrySummary, type Tuning } from '../src/telemetry';
import { OTHER_NODES_ACTIONS } from './lib/actions';
import { findCamera, runtimeOf, type UsesCamera } from './lib/camera-node';
import type { Node, NodeAPI, NodeMessage } from './lib/red';
import { configErrorStatus } from './lib/status';

interface TelemetryConfig extends UsesCamera {
  name?: string;
  /** Seconds between automatic reports; 0 or empty: only on input. */
  interval?: number | string;
  /** Apply the derived tuning to the camera with every report. */
  autoApply?: boolean;
  /** Context store to keep the statistics in ('' = the default store). */
  store?: string;
}

/** Key of the statistics in the node's context. */
const CONTEXT_KEY = 'trailcam-telemetry';
/** Where stored statistics this release cannot read are kept (the newest such value). */
const UNREADABLE_KEY = 'trailcam-telemetry-unreadable';

/** The interval in seconds (0: only on input); the editor's rule and message (src/validation/fields.ts). */
function parseInterval(value: unknown): number {
  throwProblems(telemetryIntervalProblems(value));
  return telemetryIntervalS(value);
}

/** What a report carries in msg.payload (msg.tuning holds the tuning). */
interface TelemetryReport extends TelemetrySummary {
  camera: string;
  /** Races recorded per mode (wins + failures + cancellations). */
  races: number;
  /** The tuning applied to the camera (msg.tuning or auto-apply), if any. */
  applied: Tuning | null;
  /** The statistics in their stored form (CameraTelemetry JSON). */
  telemetry: unknown;
}

/**
 * trailcam-telemetry: reports the camera's connection statistics and the tuning they suggest
 * (msg.payload and msg.tuning) on input and on an interval; can apply the tuning to the camera
 * automatically. The statistics are kept in the node's context (a file context store keeps
 * them across restarts) and are reset with msg.action = "reset".
 */
module.exports = (RED: NodeAPI): void => {
  function TrailcamTelemetryNode(this: Node, config: TelemetryConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const camera = findCamera(RED, config.camera);
    const runtime = runtimeOf(camera);
    const store = config.store === undefined || config.store === '' ? undefined : config.store;
    const context = node.context();
    let intervalError: ConfigError | null = null;
    let intervalS = 0;
    try {
      intervalS = parseInterval(config.interval);
    } catch (err) {
      intervalError = err as ConfigError;
      node.error(intervalError.message);
    }
    /** Pending context writes, in order; close waits for them. */
    let writes: Promise<void> = Promise.resolve();
    let closed = false;
    /** True once the stored statistics were loaded (or found absent): only then are changes written. */
    let loaded = false;

    const persist = (rt: CameraRuntime): void => {
      if (!loaded || closed) return;
      const json = rt.exportTelemetry();
      writes = writes.then(
        () =>
          new Promise<void>((resolve) => {
            context.set(CONTEXT_KEY, json, store, (err) => {
              if (err) node.warn(RED._('trailcam-telemetry.errors.store', { error: err.message }));
              resolve();
            });
          }),
      );
    };

    const report = (rt: CameraRuntime): NodeMessage => {
      const tuning = rt.tuning();
      if (config.autoApply) rt.applyTuning(tuning);
      const summary = summarizeTelemetry(rt.telemetry, Date.now());
      const races = Object.values(summary.modes).reduce((sum, m) => sum + m.wins + m.failures + m.cancellations, 0);
      const payload: TelemetryReport = { camera: rt.name, races, ...summary, applied: rt.appliedTuning, telemetry: rt.exportTelemetry() };
      return { topic: rt.name, payload, tuning };
    };

    const onTelemetry = (): void => {
      if (!(runtime instanceof ConfigError)) persist(runtime);
    };

    let timer: NodeJS.Timeout | undefined;
    /** Settles once the stored statistics are loaded: reports wait for it. */
    let ready: Promise<void> = Promise.resolve();
    if (camera instanceof ConfigError) node.status(configErrorStatus(RED._('trailcam-telemetry.errors.no-camera')));
    else camera.register(node);
    if (!(runtime instanceof ConfigError)) {
      ready = new Promise<void>((resolve) => {
        context.get(CONTEXT_KEY, store, (err, value) => {
          resolve();
          if (closed) return;
          if (err) node.warn(RED._('trailcam-telemetry.errors.store', { error: err.message }));
          else if (value !== undefined && value !== null) {
            try {
              runtime.importTelemetry(value);
            } catch (importError) {
              // Not lost: kept under UNREADABLE_KEY (a newer release's format, a hand edit) before
              // the fresh statistics take the key over, so a downgrade or a typo costs nothing.
              writes = writes.then(() => new Promise<void>((done) => context.set(UNREADABLE_KEY, value, store, () => done())));
              node.warn(RED._('trailcam-telemetry.errors.stored', { error: (importError as Error).message, key: UNREADABLE_KEY }));
            }
          }
          loaded = true;
          runtime.on('telemetry', onTelemetry);
          persist(runtime);
        });
      });
      if (intervalS > 0) {
        timer = setInterval(() => {
          if (!loaded) return;
          try {
            node.send(report(runtime));
          } catch (err) {
            // With a msg, so a Catch node sees interval failures too (there is no input msg here).
            node.error(err, { payload: null, topic: 'trailcam-telemetry/interval' });
          }
        }, intervalS * 1000);
      }
    }

    node.on('input', (msg, send, done) => {
      const handle = (): void => {
        if (runtime instanceof ConfigError) throw runtime;
        if (intervalError) throw intervalError;
        if (msg.action !== undefined && msg.action !== 'reset' && msg.action !== 'report' && !OTHER_NODES_ACTIONS.includes(msg.action as string)) {
          throw new ConfigError('action', msg.action, `must be reset or report (or another trailcam node's: ${OTHER_NODES_ACTIONS.join(', ')}, which report)`);
        }
        if (msg.action === 'reset') {
          runtime.resetTelemetry();
          runtime.applyTuning(null);
        }
        const out = report(runtime);
        // The action is consumed here: a report fed on (e.g. into trailcam-connect) must not repeat it.
        delete msg.action;
        msg.payload = out.payload;
        msg.tuning = out.tuning;
        if (msg.topic === undefined) msg.topic = out.topic;
        send(msg);
      };
      ready
        .then(() => {
          if (closed) return done();
          handle();
          done();
        })
        .catch((err: unknown) => done(err instanceof Error ? err : new Error(String(err))));
    });

    node.on('close', (_removed: boolean, done: () => void): void => {
      closed = true;
      clearInterval(timer);
      if (!(camera instanceof ConfigError)) camera.deregister(node);
      if (!(runtime instanceof ConfigError)) runtime.off('telemetry', onTelemetry);
      writes.then(() => done());
    });
  }

  RED.nodes.registerType('trailcam-telemetry', TrailcamTelemetryNode);
};
