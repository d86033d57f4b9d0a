/**
 * How a camera's availability becomes Home Assistant state — the one place this mapping lives.
 *
 * | camera availability | connectivity (binary_sensor) | camera entities (battery, SD, …) | availability sensor |
 * |---------------------|------------------------------|----------------------------------|---------------------|
 * | online              | ON                           | available                        | online              |
 * | unresponsive        | ON (the session is up)       | available, last values           | unresponsive        |
 * | asleep              | OFF (closed on purpose)      | available, last values kept      | asleep              |
 * | offline             | OFF                          | unavailable                      | offline             |
 * | connecting, unknown | not published: the last settled state stays (a reconnect attempt is no news) |
 *
 * `asleep` is the battery power mode's state (a session closed on purpose, issue #15): the
 * camera is fine, only not connected, so its last readings stay visible.
 */
export const HA_AVAILABILITY = {
  online: { connectivity: 'ON', available: true },
  unresponsive: { connectivity: 'ON', available: true },
  asleep: { connectivity: 'OFF', available: true },
  offline: { connectivity: 'OFF', available: false },
} as const;

/** An availability that is published to Home Assistant. */
export type HaAvailability = keyof typeof HA_AVAILABILITY;

/** Every published availability, in the order the availability sensor lists them (its `options`). */
export const HA_AVAILABILITY_STATES = Object.keys(HA_AVAILABILITY) as HaAvailability[];

/** Availability states of the camera that are known but not published (transient or not yet known). */
export const UNPUBLISHED_AVAILABILITY = ['connecting', 'unknown'] as const;

export function isHaAvailability(value: unknown): value is HaAvailability {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(HA_AVAILABILITY, value);
}

/** Payloads of the per-camera availability topic (HA's defaults, so no payload_* keys are needed). */
export const AVAILABLE = 'online';
export const NOT_AVAILABLE = 'offline';
