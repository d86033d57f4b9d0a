/** The PPPP/PPCS wire codec: pure functions, Buffers in, values out (no sockets, timers or globals). */
export * from './errors';
export * from './did';
export * from './sockaddr';
export * from './messages';
export * from './codec';
export * from './cipher';
export * from './report';
export * from './describe';
