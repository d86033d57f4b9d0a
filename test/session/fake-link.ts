import { EventEmitter } from 'node:events';
import type { LinkEvents } from '../../src/engine/link';
import type { Message, MessageOf } from '../../src/protocol';
import type { SessionLink } from '../../src/session';

/** An in-memory link: records what the session sends; a test delivers the peer's messages. */
export class FakeLink extends EventEmitter<LinkEvents> implements SessionLink {
  autoAnswerAlive = true;
  readonly sent: Message[] = [];
  closedWith: boolean | undefined;
  #open = true;

  get open(): boolean {
    return this.#open;
  }

  send(message: Message): void {
    if (this.#open) this.sent.push(message);
  }

  close(notifyPeer = true): Promise<void> {
    if (this.#open) {
      this.#open = false;
      this.closedWith = notifyPeer;
      if (notifyPeer) this.sent.push({ type: 'CLOSE' });
      this.emit('close');
    }
    return Promise.resolve();
  }

  deliver(message: Message): void {
    this.emit('message', message);
  }

  /** Messages of `type` sent so far (and forgets them, so the next call sees only new ones). */
  take<T extends Message['type']>(type: T): MessageOf<T>[] {
    const out: MessageOf<T>[] = [];
    for (let i = 0; i < this.sent.length;) {
      if (this.sent[i].type === type) out.push(this.sent.splice(i, 1)[0] as MessageOf<T>);
      else i += 1;
    }
    return out;
  }
}
