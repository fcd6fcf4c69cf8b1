import { ValidationPipe } from '@nestjs/common';
import { DomainError, validationDetails } from '@prm/contracts';

/**
 * The global pipe: DTOs are validated, unknown fields rejected (not silently dropped), and failures reported per
 * field as a `validation-failed` DomainError (400 with details).
 */
export function apiValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) =>
      new DomainError('validation-failed', 'request validation failed', validationDetails(errors)),
  });
}
