/**
 * What runs on a simulated camera's DRW channel: gets each in-order data packet and may reply
 * on the same channel. One instance per session and channel.
 */
export interface ChannelService {
  onData(data: Buffer, reply: (data: Buffer) => void): void;
  close?(): void;
}

export type ChannelServiceFactory = () => ChannelService;

/** Channel of the demo echo service (this project's choice; the real camera uses 0, 1 and 4). */
export const ECHO_CHANNEL = 2;

/** Echoes every packet's data back: lets tests and the demo carry data through a session. */
export const echoService: ChannelServiceFactory = () => ({
  onData: (data, reply) => reply(data),
});

/** Swallows data: the default on channel 0 until an application layer (ARTEMIS) is plugged in. */
export const silentService: ChannelServiceFactory = () => ({ onData: () => undefined });
