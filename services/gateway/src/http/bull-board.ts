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
 * Decides whether a request may open Bull Board. Today: allowed for everyone when `PRM_BULL_BOARD=true`, for nobody
 * otherwise. The auth issue replaces it with an admin-role check (Bull Board can retry, promote and delete jobs).
 */
export type BullBoardAccess = (req: Request) => boolean;

/** Express middleware answering 404 (as if nothing were mounted) when `access` refuses the request. */
export function bullBoardGuard(access: BullBoardAccess) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (access(req)) return next();
    res.status(404).json({ code: 'not-found', message: `${BULL_BOARD_PATH} is disabled (PRM_BULL_BOARD)` });
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
  const access = options.access ?? (() => options.enabled);
  app.use(BULL_BOARD_PATH, bullBoardGuard(access));
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
