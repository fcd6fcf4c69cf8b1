import { type ArgumentsHost, Catch, Logger, type RpcExceptionFilter } from '@nestjs/common';
import { DomainError, type DomainErrorPayload } from '@prm/contracts';
import { type Observable, throwError } from 'rxjs';

/**
 * Maps errors thrown by config handlers to the RPC error payload: a `DomainError` travels as its payload;
 * anything else becomes `unavailable` with a generic message (the cause is logged here, not sent: it may carry
 * driver text).
 */
@Catch()
export class DomainErrorRpcFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger(DomainErrorRpcFilter.name);

  catch(exception: unknown, _host: ArgumentsHost): Observable<DomainErrorPayload> {
    if (exception instanceof DomainError) return throwError(() => exception.toPayload());
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    return throwError(() => ({ code: 'unavailable', message: 'config service error', details: [] }));
  }
}
