import { type ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { DomainError, validationDetails } from '@prm/contracts';

/**
 * The global pipe: DTOs are validated, unknown fields rejected (not silently dropped), and failures reported per
 * field as a `validation-failed` DomainError (400 with details).
 */
export function apiValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) =>
      new DomainError('validation-failed', 'request validation failed', validationDetails(errors)),
  });
}

/** Refuses a JSON array or scalar where a DTO object is expected, with a message that says so. */
class ApiValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const expectsObject =
      metadata.type === 'body' && typeof metadata.metatype === 'function' && metadata.metatype !== Object;
    const isDto = expectsObject && ![String, Number, Boolean, Array].includes(metadata.metatype as never);
    if (isDto && (Array.isArray(value) || typeof value !== 'object' || value === null)) {
      throw new DomainError('validation-failed', 'request body must be a JSON object', [
        {
          reason: `expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`,
        },
      ]);
    }
    return super.transform(value, metadata);
  }
}
