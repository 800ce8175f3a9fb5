/** Tenant ids: the one rule every subject and key relies on (DESIGN §5). */
import { InvalidNameError } from '../engine/errors.ts';

export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const isTenantId = (value: string): boolean => TENANT_ID.test(value);

/** Returns the id unchanged, or throws InvalidNameError. */
export function tenantId(value: string): string {
  if (!TENANT_ID.test(value))
    throw new InvalidNameError('tenant id', value, `must match ${TENANT_ID.source}`);
  return value;
}
