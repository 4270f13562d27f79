// Times written as RFC 3339, in UTC, the one way each is written everywhere: in status fields and
// object metadata (the API server's and ours), in descriptions, reports and logs.

/** Second precision, as Kubernetes serialises metav1.Time: `2025-01-02T03:04:05Z`. */
export function rfc3339(t: Date | number): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Milliseconds only when there are any: `2025-01-02T03:04:05Z`, `2025-01-02T03:04:05.250Z`. */
export function rfc3339Millis(t: Date | number): string {
  const iso = new Date(t).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}
