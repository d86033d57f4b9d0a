import { TrailcamError } from '../errors';

/** The camera runtime was closed (Node-RED stopped or redeployed its config node). */
export class RuntimeClosedError extends TrailcamError {
  constructor(what: string) {
    super('ERR_TRAILCAM_CLOSED', `${what}: the camera runtime is closed`);
  }
}

/** A camera command name or id that this package cannot send. */
export class UnknownCommandError extends TrailcamError {
  readonly command: unknown;

  constructor(command: unknown, reason: string) {
    super('ERR_TRAILCAM_COMMAND', `unknown command ${typeof command === 'string' ? JSON.stringify(command) : String(command)}: ${reason}`);
    this.command = command;
  }
}
