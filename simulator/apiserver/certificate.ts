// The serving certificate, made at start. It is its own CA: the kubeconfig carries it as
// `certificate-authority-data`, which Go (kubectl) and Node (client-node) both accept as a trust
// anchor. ECDSA P-256 keeps generation fast, SHA-256 because Go rejects SHA-1 signatures.
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

export interface ServingCertificate {
  /** PEM; also the CA clients trust. */
  cert: string;
  /** PEM private key. */
  key: string;
}

export async function makeServingCertificate(address: string, now: Date = new Date()): Promise<ServingCertificate> {
  const altNames: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
  ];
  if (isIP(address) !== 0 && address !== '127.0.0.1' && address !== '::1') altNames.push({ type: 7, ip: address });
  else if (isIP(address) === 0 && address !== 'localhost') altNames.push({ type: 2, value: address });
  const notAfter = new Date(now.getTime() + 365 * 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'promotion-sim' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 3600 * 1000),
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
