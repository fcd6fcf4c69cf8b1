import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** What travels with one unit of work: the HTTP request id, carried into queue jobs and bound to worker log lines. */
export interface CorrelationContext {
  correlationId: string;
}

const storage = new AsyncLocalStorage<CorrelationContext>();

/** Accepted shape of a caller's `x-request-id` (anything else is replaced by a UUID). */
export const CORRELATION_ID_PATTERN = /^[\w.:-]{1,100}$/;

/** The correlation id of the current async context (HTTP request or queue job), or null outside one. */
export function currentCorrelationId(): string | null {
  return storage.getStore()?.correlationId ?? null;
}

/** Runs `fn` with `correlationId` bound: log lines and jobs enqueued inside carry it. */
export function runWithCorrelation<T>(correlationId: string, fn: () => T): T {
  return storage.run({ correlationId }, fn);
}

/**
 * Job data with the current correlation id added as `correlationId` (unchanged when there is none or the data
 * already has one). Use when enqueueing: `queue.add(name, withCorrelationId({ runId }), opts)`.
 */
export function withCorrelationId<T extends object>(data: T): T & { correlationId?: string } {
  const id = currentCorrelationId();
  if (id === null || (data as { correlationId?: unknown }).correlationId !== undefined) return data;
  return { ...data, correlationId: id };
}

/**
 * The correlation id a job's data or a bus message's payload carries (`correlationId`, as set by
 * {@link withCorrelationId}), or null when it has none or it does not match {@link CORRELATION_ID_PATTERN}.
 */
export function payloadCorrelationId(payload: unknown): string | null {
  const given = (payload as { correlationId?: unknown } | null | undefined)?.correlationId;
  return typeof given === 'string' && CORRELATION_ID_PATTERN.test(given) ? given : null;
}

/**
 * Runs the handler of a bus message (request/reply or event) with the sender's correlation id bound
 * ({@link payloadCorrelationId}), so its log lines and the jobs it enqueues carry the HTTP request's id. Without
 * one, `fallback` is bound when given, else nothing.
 */
export function runWithMessageCorrelation<T>(payload: unknown, fn: () => T, fallback?: string): T {
  const id = payloadCorrelationId(payload) ?? fallback;
  return id === undefined ? fn() : runWithCorrelation(id, fn);
}

/**
 * The id a worker binds while processing `job`: `job.data.correlationId` when the enqueuer set one (HTTP request
 * id), else `<queue>:<job id>` so every line of one job still shares an id.
 */
export function jobCorrelationId(job: { id?: string; queueName: string; data: unknown }): string {
  return payloadCorrelationId(job.data) ?? `${job.queueName}:${job.id ?? 'unknown'}`;
}

/** Runs a job's handler with its correlation id bound ({@link jobCorrelationId}). */
export function runJobWithCorrelation<T>(
  job: { id?: string; queueName: string; data: unknown },
  fn: () => Promise<T>,
): Promise<T> {
  return runWithCorrelation(jobCorrelationId(job), fn);
}

/**
 * The HTTP request's correlation id: pino-http's `req.id` (set by `genReqId` from `x-request-id` or a UUID) when
 * present, else the header when well-formed, else a new UUID.
 */
export function requestCorrelationId(req: Pick<Request, 'headers'> & { id?: unknown }): string {
  if (typeof req.id === 'string' && req.id !== '') return req.id;
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && CORRELATION_ID_PATTERN.test(given) ? given : randomUUID();
}

/** Express middleware binding the request's correlation id for the rest of the request's async chain. */
export function correlationMiddleware(req: Request, _res: Response, next: NextFunction): void {
  runWithCorrelation(requestCorrelationId(req as Request & { id?: unknown }), next);
}
