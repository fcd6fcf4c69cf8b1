import { createServer } from 'node:net';

/** Ports prm never takes for a test cluster even if the kernel offers them (system PostgreSQL, Redis). */
const RESERVED_PORTS = new Set([5432, 6379]);

/**
 * A TCP port that is free on 127.0.0.1 right now, found by binding port 0 and closing the socket.
 * Another process may take it before the caller binds it; callers that start servers retry on EADDRINUSE.
 * @returns a port number in the kernel's ephemeral range (never 5432 or 6379)
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolvePort, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const found = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolvePort(found));
      });
    });
    if (port > 0 && !RESERVED_PORTS.has(port)) return port;
  }
}
