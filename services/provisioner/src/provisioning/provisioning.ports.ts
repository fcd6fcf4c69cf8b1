/** Injection tokens of the provisioning module. */
export const PROVISIONER_SETTINGS = Symbol('PROVISIONER_SETTINGS');
/** `{ emit(pattern, payload) }` on the Redis bus (events for the console and the monitor). */
export const PROVISIONING_EVENTS = Symbol('PROVISIONING_EVENTS');

export interface ProvisioningEventBus {
  emit(pattern: string, payload: unknown): Promise<void>;
}
