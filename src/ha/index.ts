export * from './availability';
export * from './discovery';
export * from './input';
export * from './publisher';
export * from './schema';
