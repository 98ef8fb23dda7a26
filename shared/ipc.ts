/**
 * Prefix of every IPC channel of the contract. Kept free of imports so the sandboxed
 * preload can use it without bundling the schemas.
 */
export const IPC_PREFIX = 'routellm:'
export const IPC_EVENT_PREFIX = 'routellm-event:'
