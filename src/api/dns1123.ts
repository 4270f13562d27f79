// Kubernetes' DNS-1123 name rules (RFC 1123, as k8s.io/apimachinery validates them): object names,
// namespaces, and the prefixes of label keys.

export const DNS1123_SUBDOMAIN_MAX = 253;
export const DNS1123_LABEL_MAX = 63;

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Lowercase letters, digits, '-' and '.', starting and ending with a letter or digit; at most 253. */
export function isDns1123Subdomain(s: string): boolean {
  return s.length <= DNS1123_SUBDOMAIN_MAX && SUBDOMAIN.test(s);
}

/** Lowercase letters, digits and '-', starting and ending with a letter or digit; at most 63. */
export function isDns1123Label(s: string): boolean {
  return s.length <= DNS1123_LABEL_MAX && LABEL.test(s);
}
