import { createSocket, type Socket } from 'node:dgram';
import { decode, encode, type Message } from '../../src/protocol';

/** A loopback UDP socket driven by a test: a scripted peer. */
export interface ScriptedPeer {
  socket: Socket;
  port: number;
  send(message: Message, port: number, host?: string): void;
  close(): Promise<void>;
}

/** Binds 127.0.0.1:0 and calls `onMessage` for every datagram that decodes. */
export async function scriptedPeer(
  onMessage: (message: Message, from: { address: string; port: number }, peer: ScriptedPeer) => void = () => undefined,
): Promise<ScriptedPeer> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const peer: ScriptedPeer = {
    socket,
    port: socket.address().port,
    send: (message, port, host = '127.0.0.1') => socket.send(encode(message), port, host),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (data, rinfo) => {
    try {
      onMessage(decode(data), rinfo, peer);
    } catch {
      /* not PPPP: ignore */
    }
  });
  return peer;
}

/** Count of open UDP sockets and timers in this process (for leak checks). */
export function openHandles(): { udp: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  return { udp: info.filter((r) => r === 'UDPWrap').length, timers: info.filter((r) => r === 'Timeout').length };
}

/**
 * Open handles once pending closes have completed: a dgram socket's close callback runs before
 * libuv has released the handle, so wait a few event-loop turns (not a timed sleep).
 */
export async function settledHandles(): Promise<{ udp: number; timers: number }> {
  for (let i = 0; i < 3; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
  return openHandles();
}

/** Handle counts of the simulation's own, with every camera switched off (no sessions, no timers). */
export async function quietHandles(sim: { cameras: readonly { stop(): Promise<void> }[] }): Promise<{ udp: number; timers: number }> {
  await Promise.all(sim.cameras.map((c) => c.stop()));
  return settledHandles();
}
