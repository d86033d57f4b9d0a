// Root hooks for every test file: an unhandled rejection or uncaught exception anywhere in
// the suite fails the run instead of passing silently.
const seen: unknown[] = [];

process.on('unhandledRejection', (reason) => {
  seen.push(reason);
});

export const mochaHooks = {
  afterEach(): void {
    if (seen.length > 0) {
      const reasons = seen.splice(0, seen.length);
      throw new Error(`unhandled rejection(s) during test: ${reasons.map(String).join('; ')}`);
    }
  },
};
