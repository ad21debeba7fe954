/**
 * Preload: exposes exactly the app/api contract to the renderer through
 * contextBridge, and nothing else: one request function and one event
 * subscription. The main process validates every request against the contract's
 * schemas (main/api-dispatch.ts), so nothing here trusts the renderer either.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_EVENT, IPC_REQUEST } from './ipc-channels';

type EventListener = (event: string, data: unknown) => void;

contextBridge.exposeInMainWorld('replicaLab', {
  host: 'electron' as const,
  request: (method: string, params: unknown): Promise<unknown> => ipcRenderer.invoke(IPC_REQUEST, method, params),
  onEvent(listener: EventListener): () => void {
    const forward = (_event: IpcRendererEvent, name: string, data: unknown) => listener(name, data);
    ipcRenderer.on(IPC_EVENT, forward);
    return () => ipcRenderer.off(IPC_EVENT, forward);
  },
});
