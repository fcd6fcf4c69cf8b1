import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { ApiErrorBody, ApiErrorDetail, DomainErrorCode } from '@prm/contracts';
import { DomainError } from '@prm/contracts';
import type { Response } from 'express';

const STATUS: Record<DomainErrorCode, number> = {
  'validation-failed': HttpStatus.BAD_REQUEST,
  'not-found': HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  'check-failed': HttpStatus.UNPROCESSABLE_ENTITY,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

/** Reason phrases for the `error` field. */
const PHRASE: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * Every error leaves the API as `{ statusCode, error, message, details }` (ApiErrorBody). Domain errors map by code;
 * body-parser errors (malformed JSON, too large) keep their 4xx status; anything unexpected is a 500 with a generic
 * message and is logged here, never sent (no stack traces or driver text in responses).
 */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(ApiErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode >= 500) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    res.status(body.statusCode).json(body);
  }

  toBody(exception: unknown): ApiErrorBody {
    if (exception instanceof DomainError) return body(STATUS[exception.code], exception.message, exception.details);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'string'
          ? response
          : typeof (response as { message?: unknown }).message === 'string'
            ? (response as { message: string }).message
            : exception.message;
      return body(status, message, []);
    }
    const parserError = exception as { status?: unknown; type?: unknown; expose?: unknown; message?: unknown };
    if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
      const reason = parserError.type === 'entity.too.large' ? 'request body too large' : 'malformed request body';
      return body(parserError.status, reason, [{ reason }]);
    }
    return body(500, 'internal error', []);
  }
}

function body(statusCode: number, message: string, details: ApiErrorDetail[]): ApiErrorBody {
  return { statusCode, error: PHRASE[statusCode] ?? 'Error', message, details };
}
