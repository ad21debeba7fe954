/**
 * Preload: exposes exactly the app/api contract to the renderer through
 * contextBridge. The contract is defined by a later issue; today it only says
 * which host the renderer runs in.
 */
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('replicaLab', { host: 'electron' as const });
