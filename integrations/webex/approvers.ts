/**
 * Who may decide through WebEx (`webex.allowedApprovers`): exact email
 * addresses, or `@domain` for every address of exactly that domain. Matching
 * compares the whole domain after the single `@`, so `@example.com` admits
 * `ann@example.com` but neither `eve@evil-example.com`, `eve@example.com.evil`
 * nor `eve@sub.example.com`. Case-insensitive, as mail domains are. An empty
 * list admits nobody.
 */

const EMAIL = /^[^@\s]+@[^@\s]+$/;

/** The address lower-cased and trimmed, or null when it is not one plain address. */
export function normalizeEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  return EMAIL.test(email) ? email : null;
}

export function isAllowedApprover(rawEmail: string, allowed: readonly string[]): boolean {
  const email = normalizeEmail(rawEmail);
  if (email === null) return false;
  const domain = email.slice(email.indexOf('@') + 1);
  return allowed.some((entry) => {
    const rule = entry.trim().toLowerCase();
    return rule.startsWith('@') ? rule.slice(1) === domain : rule === email;
  });
}
