import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/** Thrown at start-up when an environment variable is missing or invalid; names the variable(s). */
export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: { variable: string; reason: string }[]) {
    super(`invalid environment: ${problems.map((p) => `${p.variable}: ${p.reason}`).join('; ')}`);
  }
}

/**
 * Validates `source` (usually `process.env`) against a class-validator class whose property names are the variable
 * names, converting strings to the declared types (`@Type(() => Number)`), with defaults from property initialisers.
 * Throws {@link InvalidEnvironmentError} naming every bad variable. Values are never echoed (they may be secrets).
 */
export function validateEnv<T extends object>(envClass: new () => T, source: Record<string, string | undefined>): T {
  const defined = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const instance = plainToInstance(envClass, defined, { exposeDefaultValues: true, enableImplicitConversion: true });
  const errors = validateSync(instance, { whitelist: false, skipMissingProperties: false });
  if (errors.length > 0) {
    throw new InvalidEnvironmentError(
      errors.map((e) => ({ variable: e.property, reason: Object.values(e.constraints ?? {}).join(', ') })),
    );
  }
  return instance;
}

/**
 * Runs a service's start-up; a bad environment prints one line naming the variables and exits 1 (no stack trace),
 * any other start-up failure prints its message and exits 1.
 */
export async function runService(start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`prm: start-up failed: ${message}`);
    process.exit(1);
  }
}
