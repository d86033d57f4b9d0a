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
 *
 * A caller's `timeoutMs` covers the whole call: the login when it has to start one, then the
 * command with what is left of it. A caller that finds a login under way waits for that one,
 * which runs with the timeout of the caller that started it.
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
    return this.#afterLogin(options, (left) => this.#client.command(cmdId, fields, left));
  }

  async deviceInfo(options: ArtemisCallOptions): Promise<DeviceInfo> {
    return this.#afterLogin(options, (left) => this.#client.deviceInfo(left));
  }

  async mediaList(request: MediaListRequest, options: ArtemisCallOptions): Promise<MediaListPage> {
    return this.#afterLogin(options, (left) => this.#client.mediaList(request, left));
  }

  /** Logs in if needed, then runs `call` with the caller's options and what is left of its timeout. */
  async #afterLogin<T>(options: ArtemisCallOptions, call: (left: ArtemisCallOptions) => Promise<T>): Promise<T> {
    const started = performance.now(); // monotonic, as the session's timers: a clock step must not change the budget
    await this.#ensureLogin(options);
    if (options.timeoutMs === undefined) return call(options);
    // At least 1 ms, so a login that used the whole budget ends in the command's own timeout error.
    return call({ ...options, timeoutMs: Math.max(1, options.timeoutMs - Math.floor(performance.now() - started)) });
  }

  close(): void {
    this.#client.close();
  }

  /** Logs in once; a failed login is forgotten so the next call tries again. */
  async #ensureLogin(options: ArtemisCallOptions): Promise<void> {
    const { signal } = options;
    if (this.#client.loggedIn) return;
    if (this.#login === undefined) {
      // Its own timeout is the starting caller's; the caller's signal only ends this caller's wait.
      const attempt = this.#client.login(this.#credentials, { timeoutMs: options.timeoutMs });
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
