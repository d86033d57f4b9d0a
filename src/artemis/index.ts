/**
 * The ARTEMIS application layer of the KJK230 (TrailCam Go): the encrypted JSON command
 * protocol on DRW channel 0. Pure codec (crypto, frame, reassembler), the client over a
 * ChannelTransport, and a camera-side responder for the simulator.
 */
export * from './constants';
export * from './errors';
export * from './json';
export * from './crypto';
export * from './frame';
export * from './reassembler';
export * from './device-info';
export * from './media-list';
export * from './client';
export * from './camera-documents';
export * from './camera-service';
