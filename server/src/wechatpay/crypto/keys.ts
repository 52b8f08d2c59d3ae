// Keys are parsed once into KeyObjects and reused; parsing PEM per call costs more than the signature itself.
import { createPrivateKey, createPublicKey, KeyObject, X509Certificate } from 'node:crypto';

function isCertificatePem(text: string): boolean {
  return text.includes('-----BEGIN CERTIFICATE-----');
}

export function loadPrivateKey(pem: string | Buffer | KeyObject): KeyObject {
  if (pem instanceof KeyObject) {
    if (pem.type !== 'private') throw new Error(`expected a private key, got a ${pem.type} key`);
    return pem;
  }
  return createPrivateKey(pem);
}

/** Accepts an SPKI/PKCS#1 public key PEM, an X.509 certificate PEM, or a KeyObject (a private one yields its public half). */
export function loadPublicKey(pemOrCertificate: string | Buffer | KeyObject): KeyObject {
  if (pemOrCertificate instanceof KeyObject) {
    if (pemOrCertificate.type === 'public') return pemOrCertificate;
    if (pemOrCertificate.type === 'private') return createPublicKey(pemOrCertificate);
    throw new Error('expected an asymmetric key');
  }
  const text = pemOrCertificate.toString();
  if (isCertificatePem(text)) return new X509Certificate(text).publicKey;
  return createPublicKey(text);
}

/** The certificate serial as WeChat Pay prints it: upper-case hex. */
export function certificateSerial(certificatePem: string | Buffer): string {
  return new X509Certificate(certificatePem).serialNumber.toUpperCase();
}

export function certificateValidity(certificatePem: string | Buffer): { notBefore: Date; notAfter: Date } {
  const cert = new X509Certificate(certificatePem);
  return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}
