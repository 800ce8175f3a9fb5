/**
 * A throwaway CA and a server certificate it signs for 127.0.0.1 and
 * localhost, made in-process at every start. The simulator must be a real
 * HTTPS peer — the client's certificate checks are only tested if something
 * can fail them — and a laptop running the demo may have no openssl CLI, so
 * the certificates come from the `selfsigned` package (WebCrypto underneath),
 * with P-256 keys because they are quick to make.
 */
import { generate } from 'selfsigned';

export interface SimulatorCertificates {
  /** The CA to trust: what an operator would put in the client's CA bundle. */
  caPem: string;
  certPem: string;
  keyPem: string;
}

const DAY_MS = 86_400_000;

export async function makeCertificates(
  hosts: readonly string[] = ['localhost', '127.0.0.1'],
): Promise<SimulatorCertificates> {
  // A minute of slack before now: a peer whose clock is a little behind must not see a future certificate.
  const validity = {
    keyType: 'ec' as const,
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 60_000),
    notAfterDate: new Date(Date.now() + 7 * DAY_MS),
  };
  const ca = await generate([{ name: 'commonName', value: 'ISE ERS simulator CA' }], {
    ...validity,
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const altNames = hosts.map((h) =>
    /^[\d.]+$|:/.test(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h },
  );
  const server = await generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }], {
    ...validity,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { caPem: ca.cert, certPem: server.cert, keyPem: server.private };
}
