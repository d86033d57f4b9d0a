import { ConfigError } from '../../src/errors';
import { HA_ACTIONS } from '../../src/ha';

/** `msg.action` values of trailcam-connect (empty: connect). */
export const CONNECT_ACTIONS = ['connect', 'close', 'reconnect'] as const;

/** `msg.action` values of trailcam-status. */
export const STATUS_ACTIONS = ['start', 'stop', 'check'] as const;

/**
 * The actions of the other trailcam nodes (connect, status, ha): a message passed on from them
 * still carries one, and trailcam-telemetry reports for it as for any message.
 */
export const OTHER_NODES_ACTIONS: readonly string[] = [...CONNECT_ACTIONS, ...STATUS_ACTIONS, ...HA_ACTIONS];

/** `value` as one of `actions`; ConfigError naming msg.action otherwise. */
export function parseAction<A extends string>(value: unknown, actions: readonly A[]): A {
  if (typeof value === 'string' && (actions as readonly string[]).includes(value)) return value as A;
  throw new ConfigError('action', value, `must be one of ${actions.join(', ')}`);
}
