import {
  IsInt,
  IsNumber,
  Max,
  Min,
  ValidateIf,
  type ValidationArguments,
  type ValidationOptions,
  registerDecorator,
} from 'class-validator';
import type { LagThresholds } from '../stream.js';

/** Largest byte threshold accepted: 2^53 − 1 (exact in JSON numbers; `threshold.*_bytes` is bigint). */
const MAX_BYTES = Number.MAX_SAFE_INTEGER;
/** Largest seconds threshold accepted: 10 years. */
const MAX_SECONDS = 10 * 365 * 24 * 3600;

/**
 * Field-level check that a warning threshold is not above its critical partner (`warningBytes` ≤ `criticalBytes`,
 * `warningSeconds` ≤ `criticalSeconds`). Passes when either side is null (that dimension is not fully set).
 */
function NotAbove(partner: keyof LagThresholds, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'notAbove',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [partner],
      options: { message: `$property must not be greater than ${partner}`, ...options },
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const other = (args.object as Record<string, unknown>)[args.constraints[0] as string];
          return typeof value !== 'number' || typeof other !== 'number' || value <= other;
        },
      },
    });
}

const nullable = (field: keyof LagThresholds) => ValidateIf((o: Record<string, unknown>) => o[field] !== null);

/**
 * Body of `PUT /api/thresholds` and `PUT /api/streams/:id/thresholds` (payload of `config.thresholds.put-*`).
 * Every field is required: a number ≥ 0, or null for "no threshold on this dimension". Bytes are whole bytes,
 * seconds may be fractional. A warning above its critical partner is refused at the warning field.
 */
export class LagThresholdsDto implements LagThresholds {
  @nullable('warningBytes')
  @IsInt({ message: 'warningBytes must be a whole number of bytes ≥ 0, or null' })
  @Min(0, { message: 'warningBytes must be ≥ 0' })
  @Max(MAX_BYTES, { message: `warningBytes must be ≤ ${MAX_BYTES}` })
  @NotAbove('criticalBytes')
  warningBytes: number | null;

  @nullable('criticalBytes')
  @IsInt({ message: 'criticalBytes must be a whole number of bytes ≥ 0, or null' })
  @Min(0, { message: 'criticalBytes must be ≥ 0' })
  @Max(MAX_BYTES, { message: `criticalBytes must be ≤ ${MAX_BYTES}` })
  criticalBytes: number | null;

  @nullable('warningSeconds')
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'warningSeconds must be a number ≥ 0, or null' })
  @Min(0, { message: 'warningSeconds must be ≥ 0' })
  @Max(MAX_SECONDS, { message: `warningSeconds must be ≤ ${MAX_SECONDS}` })
  @NotAbove('criticalSeconds')
  warningSeconds: number | null;

  @nullable('criticalSeconds')
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'criticalSeconds must be a number ≥ 0, or null' })
  @Min(0, { message: 'criticalSeconds must be ≥ 0' })
  @Max(MAX_SECONDS, { message: `criticalSeconds must be ≤ ${MAX_SECONDS}` })
  criticalSeconds: number | null;
}

/** The plain {@link LagThresholds} of a validated DTO (drops the class prototype before it crosses the bus). */
export function toLagThresholds(dto: LagThresholdsDto): LagThresholds {
  return {
    warningBytes: dto.warningBytes,
    criticalBytes: dto.criticalBytes,
    warningSeconds: dto.warningSeconds,
    criticalSeconds: dto.criticalSeconds,
  };
}
