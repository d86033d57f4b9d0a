import { ArtemisCameraService } from '../../src/artemis';
import type { ChannelService } from '../../src/sim';

/** The simulated camera's ARTEMIS service, with switches a test flips. */
export class SwitchableCamera implements ChannelService {
  readonly service = new ArtemisCameraService({ seed: 1 });
  /** Answer nothing but the login. */
  muted = false;
  /** Answer nothing, not even the login. */
  silent = false;
  /** Answer the login this much later (a real timer). */
  loginDelayMs = 0;
  /** Bytes to send once before the next answer (e.g. a stray header). */
  inject: Buffer | undefined;
  #answeredLogin = false;

  onData(data: Buffer, reply: (data: Buffer) => void): void {
    this.service.onData(data, (answer) => {
      const isLogin = !this.#answeredLogin;
      this.#answeredLogin = true;
      if (this.silent || (this.muted && !isLogin)) return;
      if (isLogin && this.loginDelayMs > 0) {
        setTimeout(() => reply(answer), this.loginDelayMs);
        return;
      }
      if (this.inject) {
        reply(this.inject);
        this.inject = undefined;
      }
      reply(answer);
    });
  }
}
