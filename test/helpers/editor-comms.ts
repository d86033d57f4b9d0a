import WebSocket from 'ws';

/** One message Node-RED's editor receives over its comms socket (`debug`, `status/<node id>`, …). */
export interface CommsMessage {
  topic: string;
  data: Record<string, unknown>;
}

/**
 * What the editor sees: Node-RED's comms websocket (`<editor url>comms`), subscribed to the
 * debug sidebar and the node statuses. Without adminAuth no login is needed. `close()` ends the
 * socket; call it on every path.
 */
export class EditorComms {
  readonly messages: CommsMessage[] = [];
  private readonly waiters = new Set<() => void>();
  private closed = false;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      for (const msg of JSON.parse(String(data)) as CommsMessage[]) this.messages.push(msg);
      for (const wake of [...this.waiters]) wake();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const wake of [...this.waiters]) wake();
    });
  }

  static open(editorUrl: string): Promise<EditorComms> {
    const socket = new WebSocket(`${editorUrl.replace(/^http/, 'ws')}comms`);
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.once('open', () => {
        socket.off('error', reject);
        socket.on('error', () => undefined); // a close follows; waiters are told then
        for (const topic of ['debug', 'status/#']) socket.send(JSON.stringify({ subscribe: topic }));
        resolve(new EditorComms(socket));
      });
    });
  }

  /** Resolves with the first message (already received or coming) that matches; rejects when the socket closes first. */
  next(describe: string, match: (msg: CommsMessage) => boolean): Promise<CommsMessage> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.messages.find(match);
        if (found) {
          this.waiters.delete(check);
          resolve(found);
        } else if (this.closed) {
          this.waiters.delete(check);
          reject(
            new Error(
              `the editor's comms socket closed before ${describe}; it got ${this.messages.length} messages: ${JSON.stringify(this.messages.slice(-5))}`,
            ),
          );
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.socket.close();
  }
}
