import { ConfigError } from '../errors';

/**
 * Telemetry, tuning or option data failed validation (it may come from a Node-RED context
 * store or a `msg`). `field` is the path of the offending value, e.g. `telemetry.modes.lan.srttMs`.
 */
export class TelemetryFormatError extends ConfigError {}

/** The data carries a `version` this code does not understand (e.g. written by a newer release). */
export class UnsupportedVersionError extends TelemetryFormatError {
  readonly supported: number;

  constructor(field: string, value: unknown, supported: number) {
    super(field, value, `unsupported version (this release reads version ${supported})`);
    this.supported = supported;
  }
}
