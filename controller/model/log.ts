import type { Logger } from 'pino';

/**
 * The structured logger every module writes to (pino). A type only, so that modules low in the
 * graph (cdk, kube) can take a logger without importing the process's logging setup.
 */
export type Log = Logger;
