/** Splits a list into chunks of at most `size` (batched Redis commands, bounded LDAP and SQL filters). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let k = 0; k < items.length; k += size) out.push(items.slice(k, k + size));
  return out;
}
