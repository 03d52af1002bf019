import type { Logger } from './logger';

/**
 * The last resort for the main process: a promise rejection nobody handled is logged and
 * the app keeps serving (Node's default would end the process, and with it every window and
 * recording). Every path that can see peer input handles its own errors; this only catches
 * what slipped through. Returns the remover.
 */
export function keepServingOnUnhandledRejection(logger: Logger, target: Pick<NodeJS.Process, 'on' | 'off'> = process): () => void {
  const onRejection = (reason: unknown): void => {
    logger.error('unexpected error (not handled where it happened); Lab Monitor keeps running:', reason);
  };
  target.on('unhandledRejection', onRejection);
  return () => target.off('unhandledRejection', onRejection);
}
