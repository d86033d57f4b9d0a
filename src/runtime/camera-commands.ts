import {
  ArtemisClient,
  type ArtemisCallOptions,
  type ArtemisCredentials,
  type DeviceInfo,
  type JsonObject,
  type MediaListPage,
  type MediaListRequest,
} from '../artemis';
import { toAbortError } from '../errors';
import type { ChannelTransport } from '../session/types';

/**
 * The camera's ARTEMIS command channel on one session: one client per session, logged in
 * lazily (once, shared by concurrent callers) with the camera's credentials. `close()` stops
 * its heartbeat and rejects what is pending; the session itself is not closed.
 */
export class CameraCommands {
  readonly #client: ArtemisClient;
  readonly #credentials: ArtemisCredentials;
  #login: Promise<unknown> | undefined;

  constructor(transport: ChannelTransport, credentials: ArtemisCredentials) {
    this.#client = new ArtemisClient(transport);
    this.#credentials = credentials;
    // Protocol noise (undecodable frames, late answers) must not crash anything: the client
    // emits it as events; nobody needs them here.
    this.#client.on('protocol-error', () => undefined);
    this.#client.on('heartbeat-error', () => undefined);
  }

  get loggedIn(): boolean {
    return this.#client.loggedIn;
  }

  async command(cmdId: number, fields: JsonObject, options: ArtemisCallOptions): Promise<JsonObject> {
    await this.#ensureLogin(options.signal);
    return this.#client.command(cmdId, fields, options);
  }

  async deviceInfo(options: ArtemisCallOptions): Promise<DeviceInfo> {
    await this.#ensureLogin(options.signal);
    return this.#client.deviceInfo(options);
  }

  async mediaList(request: MediaListRequest, options: ArtemisCallOptions): Promise<MediaListPage> {
    await this.#ensureLogin(options.signal);
    return this.#client.mediaList(request, options);
  }

  close(): void {
    this.#client.close();
  }

  /** Logs in once; a failed login is forgotten so the next call tries again. */
  async #ensureLogin(signal: AbortSignal | undefined): Promise<void> {
    if (this.#client.loggedIn) return;
    if (this.#login === undefined) {
      const attempt = this.#client.login(this.#credentials);
      this.#login = attempt;
      attempt.catch(() => {
        if (this.#login === attempt) this.#login = undefined;
      });
    }
    const login = this.#login;
    if (signal === undefined) {
      await login;
      return;
    }
    if (signal.aborted) throw toAbortError(signal.reason, 'ARTEMIS login');
    // The shared login goes on for other callers; this caller stops waiting when it aborts.
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(toAbortError(signal.reason, 'ARTEMIS login'));
      signal.addEventListener('abort', onAbort, { once: true });
      login.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }
}
