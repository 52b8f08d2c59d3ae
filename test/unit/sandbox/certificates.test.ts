import { createPublicKey, X509Certificate } from 'node:crypto';
import { issueCertificate, randomSerial } from '../../../server/sandbox/keys/certificates';

test('issues a self-signed X.509 certificate node:crypto can read, with a 40-hex serial', () => {
  const now = new Date();
  const issued = issueCertificate({ commonName: 'platform', notBefore: now, notAfter: new Date(now.getTime() + 86400_000) });
  const cert = new X509Certificate(issued.certificatePem);
  expect(issued.serial).toMatch(/^[0-9A-F]{40}$/);
  expect(cert.serialNumber.toUpperCase()).toBe(issued.serial);
  expect(cert.verify(cert.publicKey)).toBe(true);
  expect(cert.publicKey.export({ type: 'spki', format: 'pem' })).toBe(
    createPublicKey(issued.privateKeyPem).export({ type: 'spki', format: 'pem' }),
  );
  expect(new Date(cert.validTo).getTime()).toBeGreaterThan(now.getTime());
});

test('serials are random and 40 upper-case hex characters', () => {
  const a = randomSerial();
  expect(a).toMatch(/^[0-9A-F]{40}$/);
  expect(randomSerial()).not.toBe(a);
});
