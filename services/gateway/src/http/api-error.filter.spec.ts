import { jest } from '@jest/globals';
import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { DomainError } from '@prm/contracts';
import { ApiErrorFilter } from './api-error.filter.js';

describe('ApiErrorFilter', () => {
  const filter = new ApiErrorFilter();

  it.each([
    ['validation-failed', 400, 'Bad Request'],
    ['not-found', 404, 'Not Found'],
    ['conflict', 409, 'Conflict'],
    ['check-failed', 422, 'Unprocessable Entity'],
    ['unavailable', 503, 'Service Unavailable'],
  ] as const)('maps DomainError %s to %i', (code, status, phrase) => {
    const details = [{ field: 'port', reason: 'bad' }];
    expect(filter.toBody(new DomainError(code, 'm', details))).toEqual({
      statusCode: status,
      error: phrase,
      message: 'm',
      details,
    });
  });

  it('keeps the status and message of Nest HTTP exceptions, whatever their response shape', () => {
    expect(filter.toBody(new NotFoundException('Cannot GET /x'))).toMatchObject({
      statusCode: 404,
      message: 'Cannot GET /x',
    });
    expect(filter.toBody(new HttpException('plain text', 429))).toMatchObject({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'plain text',
    });
    expect(filter.toBody(new BadRequestException({ message: ['a', 'b'] }))).toMatchObject({ statusCode: 400 });
    expect(filter.toBody(new HttpException({ other: 1 }, 418))).toMatchObject({ statusCode: 418, error: 'Error' });
  });

  it('turns body-parser errors into 400/413 with a reason, and hides anything else behind a 500', () => {
    expect(filter.toBody({ status: 413, type: 'entity.too.large', message: 'request entity too large' })).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'request body too large',
      details: [{ reason: 'request body too large' }],
    });
    expect(filter.toBody({ status: 400, type: 'entity.parse.failed' })).toMatchObject({
      statusCode: 400,
      message: 'malformed request body',
    });
    const internal = filter.toBody(new Error('password=hunter2 at pg driver'));
    expect(internal).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'internal error',
      details: [],
    });
    expect(filter.toBody({ status: 302 })).toMatchObject({ statusCode: 500 });
  });

  it('writes the body with its status on the HTTP response', () => {
    const json = jest.fn();
    const status = jest.fn(() => ({ json }));
    const host = { switchToHttp: () => ({ getResponse: () => ({ status }) }) };
    filter.catch(new Error('boom'), host as never);
    expect(status).toHaveBeenCalledWith(500);
    expect(json).toHaveBeenCalledWith(expect.objectContaining({ statusCode: 500 }));
    filter.catch(new DomainError('not-found', 'gone'), host as never);
    expect(status).toHaveBeenLastCalledWith(404);
  });
});
