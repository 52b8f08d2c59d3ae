// Issues real X.509 certificates (RSA, SHA-256) for the sandbox's platform keys and for dev merchants.
// node:crypto can read certificates but not make them, so node-forge builds and signs the DER.
import { generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

export interface IssuedCertificate {
  certificatePem: string;
  privateKeyPem: string; // PKCS#8
  serial: string; // 40 upper-case hex characters, as WeChat Pay prints serials
  notBefore: Date;
  notAfter: Date;
}

/** 20 random bytes as upper-case hex, the top bit cleared so the DER integer stays positive and 40 long. */
export function randomSerial(): string {
  const b = randomBytes(20);
  b[0] = (b[0]! & 0x7f) | 0x10;
  return b.toString('hex').toUpperCase();
}

export function generateRsaKey(bits = 2048): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey;
}

export function issueCertificate(opts: {
  commonName: string;
  organization?: string;
  key?: KeyObject; // the subject's private key; generated when absent
  issuerKey?: KeyObject; // self-signed when absent
  serial?: string;
  notBefore?: Date;
  notAfter?: Date;
}): IssuedCertificate {
  const key = opts.key ?? generateRsaKey();
  const serial = opts.serial ?? randomSerial();
  const notBefore = opts.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = opts.notAfter ?? new Date(notBefore.getTime() + 5 * 365 * 86400_000);
  const cert = forge.pki.createCertificate();
  const forgeKey = (k: KeyObject) =>
    forge.pki.privateKeyFromPem(k.export({ type: 'pkcs1', format: 'pem' }).toString()) as forge.pki.rsa.PrivateKey;
  const subjectKey = forgeKey(key);
  cert.publicKey = forge.pki.setRsaPublicKey(subjectKey.n, subjectKey.e);
  cert.serialNumber = serial.toLowerCase();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const attrs = [
    { shortName: 'CN', value: opts.commonName },
    { shortName: 'O', value: opts.organization ?? 'WeChat Pay Global Sandbox' },
    { shortName: 'C', value: 'HK' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(opts.issuerKey ? forgeKey(opts.issuerKey) : subjectKey, forge.md.sha256.create());
  const certificatePem = forge.pki.certificateToPem(cert);
  const parsed = new X509Certificate(certificatePem);
  return {
    certificatePem,
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    serial: parsed.serialNumber.toUpperCase(),
    notBefore,
    notAfter,
  };
}
