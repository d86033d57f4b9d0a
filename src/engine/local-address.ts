import { createSocket } from 'node:dgram';
import type { Endpoint } from './types';

/**
 * The local IPv4 address of the interface that routes to `target`, for the address fields of
 * P2P_REQ and REPORT_SESSION_READY (a socket bound to 0.0.0.0 has no address of its own).
 *
 * How: a throwaway UDP socket is `connect()`ed to the target and its `address()` read; a UDP
 * connect only asks the kernel for a route and sends nothing. A throwaway socket rather than the
 * attempt's own: a connected UDP socket receives only from its one peer, so connecting the
 * attempt socket, even briefly, would drop the camera's punches and the other servers' answers.
 * Resolves undefined (never rejects) when there is no route or the lookup fails.
 */
export function localAddressToward(target: Endpoint): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket({ type: 'udp4' });
    const done = (host: string | undefined): void => {
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      try {
        socket.close(() => resolve(host));
      } catch {
        resolve(host);
      }
    };
    socket.once('error', () => done(undefined));
    try {
      socket.connect(target.port, target.host, () => {
        try {
          const { address } = socket.address();
          done(address === '0.0.0.0' ? undefined : address);
        } catch {
          done(undefined);
        }
      });
    } catch {
      done(undefined);
    }
  });
}
