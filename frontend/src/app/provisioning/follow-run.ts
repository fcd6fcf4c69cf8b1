import { HttpErrorResponse } from '@angular/common/http';

import type { ProvisioningRunView } from '@prm/contracts/provisioning.js';
import { toApiError } from '../core/api.client';

/**
 * Run states after which the console stops following a run: it does nothing more, or (`rollback-pending`) it waits
 * for an unreachable end, which the provisioner retries on its own schedule.
 */
export const SETTLED_RUN_STATES: ReadonlySet<string> = new Set([
  'succeeded',
  'failed',
  'rolled-back',
  'rollback-pending',
]);

/**
 * A readable message of a failed API call: the prm error body's message and its `field: reason` details (the body
 * {@link toApiError} reads or synthesises), else the error's own message.
 */
export function messageOf(err: unknown): string {
  const { body } = toApiError(err);
  const details = body.details.map((d) => (d.field ? `${d.field}: ${d.reason}` : d.reason)).join('; ');
  return [body.message, details].filter(Boolean).join(' — ');
}

/** Where following a run ended: the last state read, and why the console stopped reading it early (null when it settled). */
export interface FollowedRun {
  run: ProvisioningRunView;
  lostTrack: string | null;
}

/** A read that may succeed when tried again: no answer (status 0), or a 5xx from the gateway or a service. */
function isTransient(err: unknown): boolean {
  return err instanceof HttpErrorResponse && (err.status === 0 || err.status >= 500);
}

/**
 * Reads a provisioning run every `intervalMs` until it settles (`SETTLED_RUN_STATES`). A transient read error
 * (network, 5xx) is retried, up to `maxErrors` in a row; a 4xx or too many errors stop the reading, not the run,
 * so the caller can say "still running, could not follow" instead of "failed".
 * @param first the run as the submit answered it
 * @param read `GET /api/provisioning/runs/:id`
 * @param wait sleeps `ms` (a parameter so tests need no timers)
 */
export async function followRun(
  first: ProvisioningRunView,
  read: (id: string) => Promise<ProvisioningRunView>,
  wait: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  { intervalMs = 1000, maxErrors = 5 }: { intervalMs?: number; maxErrors?: number } = {},
): Promise<FollowedRun> {
  let run = first;
  let errors = 0;
  while (!SETTLED_RUN_STATES.has(run.state)) {
    await wait(intervalMs);
    try {
      run = await read(run.id);
      errors = 0;
    } catch (err) {
      errors += 1;
      if (!isTransient(err) || errors >= maxErrors) return { run, lostTrack: messageOf(err) };
    }
  }
  return { run, lostTrack: null };
}
