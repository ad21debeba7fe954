import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isPortFree, pickFreePort } from './ports.js';

/** Ports 22570-22579. */
const BASE = 22570;

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('ports', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('tells a free port from a taken one', async () => {
    expect(await isPortFree(BASE)).toBe(true);
    servers.push(await occupy(BASE));
    expect(await isPortFree(BASE)).toBe(false);
  });

  it('picks the first port from the base that is neither taken nor held by the lab', async () => {
    servers.push(await occupy(BASE + 1));
    expect(await pickFreePort({ base: BASE + 1, held: [BASE + 2] })).toBe(BASE + 3);
    expect(await pickFreePort({ base: BASE + 4 })).toBe(BASE + 4);
  });

  it('says when no port is left', async () => {
    servers.push(await occupy(BASE + 5));
    await expect(pickFreePort({ base: BASE + 5, limit: BASE + 6, held: [BASE + 6] })).rejects.toThrow(
      `No free port between ${BASE + 5} and ${BASE + 6} on 127.0.0.1.`,
    );
  });
});
