/**
 * Minimal local types for the parts of Node-RED's runtime API these nodes use. Node-RED ships
 * no TypeScript types of its own; these describe only what is called here.
 */

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

/** A flow message. Properties other than these are passed through untouched. */
export interface NodeMessage {
  _msgid?: string;
  payload?: unknown;
  topic?: string;
  [key: string]: unknown;
}

export type SendFunction = (msg: NodeMessage | (NodeMessage | null)[] | null) => void;
export type DoneFunction = (err?: Error) => void;

/** A context (node, flow or global); `store` selects a configured context store. */
export interface ContextStore {
  get(key: string, store: string | undefined, callback: (err: Error | null | undefined, value: unknown) => void): void;
  set(key: string, value: unknown, store: string | undefined, callback: (err?: Error | null) => void): void;
}

/** The node object Node-RED creates for every node instance (RED.nodes.createNode fills it in). */
export interface Node {
  readonly id: string;
  readonly type: string;
  name?: string;
  credentials?: Record<string, string | undefined>;
  status(status: NodeStatus | Record<string, never>): void;
  send(msg: NodeMessage | (NodeMessage | null)[]): void;
  error(err: unknown, msg?: NodeMessage): void;
  warn(warning: unknown): void;
  log(message: unknown): void;
  context(): ContextStore;
  on(event: 'input', listener: (msg: NodeMessage, send: SendFunction, done: DoneFunction) => void): void;
  /** Node-RED picks the close style by the listener's arity: (done) or (removed, done). */
  on(event: 'close', listener: (removed: boolean, done: () => void) => void): void;
}

/** The RED object handed to a node module. */
export interface NodeAPI {
  nodes: {
    createNode(node: object, config: object): void;
    registerType(
      type: string,
      constructor: (this: Node, config: never) => void,
      options?: { credentials?: Record<string, { type: 'text' | 'password' }> },
    ): void;
    getNode(id: string): Node | null;
  };
  /** Node-RED's runtime settings (settings.js); read-only here (trailcam-wake reads `trailcamWake`). */
  settings?: Record<string, unknown>;
  /** Translates a message catalogue key of this node set. */
  _(key: string, substitutions?: Record<string, unknown>): string;
}
