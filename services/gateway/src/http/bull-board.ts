import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { INestApplication } from '@nestjs/common';
import { QueueName } from '@prm/contracts';
import { QueueDiscovery } from '@prm/observability';
import { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';

/** Where Bull Board is served on the gateway. */
export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Decides whether a request may use Bull Board (it can retry, promote and delete jobs): the gateway allows signed-in
 * admins only.
 */
export type BullBoardAccess = (req: Request) => boolean | Promise<boolean>;

/**
 * Express middleware: 404 (as if nothing were mounted) when the board is disabled, 403 when `access` refuses.
 */
export function bullBoardGuard(enabled: boolean, access: BullBoardAccess) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!enabled) {
      res.status(404).json({
        statusCode: 404,
        error: 'Not Found',
        message: `${BULL_BOARD_PATH} is disabled (PRM_BULL_BOARD)`,
        details: [],
      });
      return;
    }
    Promise.resolve(access(req)).then(
      (ok) => {
        if (ok) return next();
        res
          .status(403)
          .json({ statusCode: 403, error: 'Forbidden', message: 'Bull Board needs an admin', details: [] });
      },
      (err: unknown) => next(err),
    );
  };
}

/**
 * Mounts Bull Board at {@link BULL_BOARD_PATH} behind {@link bullBoardGuard}: every prm queue (`QueueName`), opened
 * with the connection and key prefix of the app's BullMQ queues. With `enabled` false only the guard is mounted
 * (404, so the console's fallback does not answer the path). Call before `app.listen`.
 * @returns the queues opened for the board (closed with the app), empty when disabled.
 */
export function mountBullBoard(
  app: INestApplication,
  options: { enabled: boolean; access?: BullBoardAccess },
): Queue[] {
  app.use(BULL_BOARD_PATH, bullBoardGuard(options.enabled, options.access ?? (() => false)));
  if (!options.enabled) return [];
  const template = app.get(QueueDiscovery).queues()[0];
  if (!template) return [];
  const queues = Object.values(QueueName).map(
    (name) => new Queue(name, { connection: template.opts.connection, prefix: template.opts.prefix }),
  );
  const adapter = new ExpressAdapter();
  adapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
  app.use(BULL_BOARD_PATH, adapter.getRouter());
  const close = app.close.bind(app);
  app.close = async (...args: Parameters<INestApplication['close']>) => {
    await close(...args);
    await Promise.all(queues.map((q) => q.close()));
  };
  return queues;
}
