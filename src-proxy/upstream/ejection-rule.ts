/**
 * Envoy's max_ejection_percent rule (with its default always_eject_one_host off):
 * eject only if the ejected share, this target included, stays within the cap.
 * So one target at 50% is never ejected, and 0% turns ejection off.
 * Integer form of Envoy's `100 * (ejected + 1) / total <= max`.
 */
export function mayEject(ejected: number, total: number, maxPercent: number): boolean {
  return 100 * (ejected + 1) <= maxPercent * total;
}
