/**
 * Electron main process: one locked-down window (contextIsolation, sandbox, no
 * nodeIntegration, strict CSP) and the lab service behind the app/api contract on
 * two IPC channels. Everything else lives in app/lab, shared with the web host.
 */
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, session, type WebContents } from 'electron';
import { LabService } from '../app/lab/service';
import { dispatchMessage } from './api-dispatch';
import { IPC_EVENT, IPC_REQUEST } from './ipc-channels';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

let service: LabService | undefined;
const windows = new Set<WebContents>();

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    title: 'Replica Lab',
    webPreferences: {
      preload: join(__dirname, '../preload/preload.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  const contents = window.webContents;
  windows.add(contents);
  contents.on('destroyed', () => windows.delete(contents));
  // The window shows the app and nothing else: no navigation, no new windows.
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  if (process.env['ELECTRON_RENDERER_URL']) {
    void window.loadURL(process.env['ELECTRON_RENDERER_URL']);
  } else {
    void window.loadFile(join(__dirname, '../renderer/index.html'));
  }
}

async function startLab(): Promise<LabService> {
  const lab = await LabService.create({
    host: 'electron',
    workspace: join(app.getPath('userData'), 'workspace'),
    basePort: 6379,
    // Built-in nodes run on Electron's own Node: no separate Node install needed.
    engineHost: {
      nodeExecutable: process.execPath,
      builtinEntry: join(__dirname, 'engine.js'),
      env: { ELECTRON_RUN_AS_NODE: '1' },
    },
    cliHost: {
      nodeExecutable: process.execPath,
      cliEntry: join(__dirname, 'cli.js'),
      env: { ELECTRON_RUN_AS_NODE: '1' },
    },
  });
  lab.onEvent((event, data) => {
    for (const contents of windows) contents.send(IPC_EVENT, event, data);
  });
  ipcMain.handle(IPC_REQUEST, async (event, method: unknown, params: unknown) => {
    if (!windows.has(event.sender)) return undefined; // only our own windows may drive the lab
    return dispatchMessage(lab, { type: 'request', id: 0, method, params });
  });
  return lab;
}

void app.whenReady().then(async () => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  service = await startLab();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Nodes end with the app: stop them all before quitting (built-in nodes would also
// notice their parent is gone; this makes the stop clean and their dump files whole).
let quitting = false;
app.on('before-quit', (event) => {
  if (quitting || !service) return;
  event.preventDefault();
  quitting = true;
  void service.dispose().finally(() => app.quit());
});
