/**
 * The web host (`npm run web`): the same lab as the Electron app, served to any
 * browser on 127.0.0.1. The built renderer is served over HTTP and the app/api
 * contract runs over one WebSocket at /api. A random token, printed in the URL, guards
 * both: the page sets it as a same-site cookie, so assets and the socket carry it;
 * a request without it is refused (403). This is how the end-to-end tests drive the
 * UI where no Electron binary exists.
 *
 *   node out/main/web.js [--port 0] [--workspace DIR] [--base-port 6379] [--token T]
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { homedir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServerMessage } from '../app/api/contract';
import { LabService } from '../app/lab/service';
import { dispatchMessage } from './api-dispatch';

const COOKIE = 'replica_lab_token';
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface WebHostOptions {
  port: number;
  workspace: string;
  basePort: number;
  rendererDir: string;
  builtinEntry: string;
  cliEntry: string;
  token?: string;
}

export interface WebHost {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('hex');
  const service = await LabService.create({
    host: 'web',
    workspace: options.workspace,
    basePort: options.basePort,
    engineHost: { nodeExecutable: process.execPath, builtinEntry: options.builtinEntry },
    cliHost: { nodeExecutable: process.execPath, cliEntry: options.cliEntry },
  });

  const server = createServer((request, response) => {
    void serveHttp(request, response, options.rendererDir, token);
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 * 1024 });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/api' || !hasToken(request, url, token) || !sameOrigin(request)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => attachSocket(ws, service));
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolvePromise());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    async close() {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      await new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await service.dispose();
    },
  };
}

function attachSocket(ws: WebSocket, service: LabService): void {
  const send = (message: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const unsubscribe = service.onEvent((event, data) => send({ type: 'event', event, data }));
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString());
    } catch {
      return; // not JSON: nothing to answer, since there is no request id to answer to
    }
    void dispatchMessage(service, parsed).then((reply) => reply && send(reply));
  });
  ws.on('close', unsubscribe);
  ws.on('error', unsubscribe);
}

/** The token in the query (first load) or in the cookie the first load set. */
function hasToken(request: IncomingMessage, url: URL, token: string): boolean {
  const given = url.searchParams.get('token') ?? readCookie(request.headers.cookie, COOKIE);
  if (given === undefined || given === null || given.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

/** A page on another origin must not drive the lab through the user's browser. */
function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true; // not a browser (tests, CLI clients): the token suffices
  return origin === `http://${request.headers.host ?? ''}`;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

async function serveHttp(request: IncomingMessage, response: ServerResponse, root: string, token: string) {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(response, 405, 'Method not allowed');
  if (!hasToken(request, url, token)) {
    return refuse(response, 403, 'Replica Lab: open the URL the host printed (it carries the access token).');
  }
  const relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
  const file = normalize(join(root, relative));
  if (file !== root && !file.startsWith(root + sep)) return refuse(response, 404, 'Not found');
  try {
    if (!(await stat(file)).isFile()) return refuse(response, 404, 'Not found');
    const body = await readFile(file);
    const headers: Record<string, string> = {
      'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': contentSecurityPolicy(request.headers.host ?? '127.0.0.1'),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    };
    if (url.searchParams.has('token')) {
      headers['Set-Cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    }
    response.writeHead(200, headers);
    response.end(request.method === 'HEAD' ? undefined : body);
  } catch {
    refuse(response, 404, 'Not found');
  }
}

function contentSecurityPolicy(host: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ws://${host}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function refuse(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text + '\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      workspace: { type: 'string' },
      'base-port': { type: 'string', default: '6379' },
      token: { type: 'string' },
      // For tests and development: run built-in nodes from another engine bundle.
      'engine-entry': { type: 'string' },
    },
  });
  const host = await startWebHost({
    port: Number(values.port),
    basePort: Number(values['base-port']),
    workspace: resolve(values.workspace ?? join(homedir(), '.replica-lab')),
    rendererDir: resolve(__dirname, '../renderer'),
    builtinEntry: resolve(values['engine-entry'] ?? join(__dirname, 'engine.js')),
    cliEntry: resolve(__dirname, 'cli.js'),
    token: values.token,
  });
  process.stdout.write(`Replica Lab (web host) at ${host.url}\n`);
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    void host.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('SIGHUP', shutdown);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`replica-lab web host: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
