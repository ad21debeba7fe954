/** The two IPC channels between the preload and the main process. */
export const IPC_REQUEST = 'replica-lab:request';
export const IPC_EVENT = 'replica-lab:event';
