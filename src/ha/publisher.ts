import {
  discoveryMessages,
  haTopics,
  NO_FACTS,
  NO_READINGS,
  removalMessages,
  stateMessages,
  type HaCameraIdentity,
  type HaDeviceFacts,
  type HaMqttMessage,
  type HaReadings,
  type HaSettings,
  type HaTopics,
} from './discovery';
import { classifyHaInput, type HaInput, type HaMessageIn } from './input';

/** What one input led to: the messages to publish, and what happened (for a node status). */
export interface HaStep {
  input: HaInput;
  messages: HaMqttMessage[];
}

/**
 * Keeps one camera's last readings and what was published, and turns each input into the MQTT
 * messages to send (no I/O, no timers):
 * - announce (a birth message, or `action: announce`): every discovery config, then every known
 *   state — all of it, since the broker connection or Home Assistant may be new;
 * - update: only the topics whose payload changed since they were last published (a changed
 *   device block re-publishes the configs); the first update publishes the configs too;
 * - remove: empty retained payloads on every config and state topic; afterwards births are
 *   ignored and updates only remembered, until an explicit `action: announce`.
 */
export class HaPublisher {
  readonly topics: HaTopics;
  #readings: HaReadings = { ...NO_READINGS };
  #facts: HaDeviceFacts = { ...NO_FACTS };
  readonly #published = new Map<string, string>();
  #removed = false;

  constructor(
    readonly settings: HaSettings,
    readonly camera: HaCameraIdentity,
  ) {
    this.topics = haTopics(settings, camera.did);
  }

  get readings(): HaReadings {
    return { ...this.#readings };
  }

  get removed(): boolean {
    return this.#removed;
  }

  /** Classifies `msg` and applies it; throws the classifier's ConfigError for an unknown message. */
  handle(msg: HaMessageIn): HaStep {
    const input = classifyHaInput(msg, this.topics);
    return { input, messages: this.apply(input) };
  }

  apply(input: HaInput): HaMqttMessage[] {
    switch (input.kind) {
      case 'ignore':
        return [];
      case 'remove':
        this.#removed = true;
        this.#published.clear();
        return removalMessages(this.settings, this.camera.did);
      case 'announce':
        if (this.#removed && input.by !== 'action') return [];
        this.#removed = false;
        this.#published.clear();
        return this.#diff();
      case 'update':
        this.#readings = { ...this.#readings, ...input.readings };
        this.#facts = { ...this.#facts, ...input.facts };
        return this.#removed ? [] : this.#diff();
    }
  }

  /** Everything that should be retained now, minus what was already published with the same payload. */
  #diff(): HaMqttMessage[] {
    const wanted = [...discoveryMessages(this.settings, this.camera, this.#facts), ...stateMessages(this.settings, this.camera.did, this.#readings)];
    const out: HaMqttMessage[] = [];
    for (const msg of wanted) {
      const payload = typeof msg.payload === 'string' ? msg.payload : JSON.stringify(msg.payload);
      if (this.#published.get(msg.topic) === payload) continue;
      this.#published.set(msg.topic, payload);
      out.push(msg);
    }
    return out;
  }
}
