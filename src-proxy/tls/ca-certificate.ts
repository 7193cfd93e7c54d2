/** Builds the self-signed "Switchyard Local CA" root certificate. */
import { EC_ALGORITHM, generateKeyPair, privateKeyPem, randomSerial, x509 } from './x509-provider.js';

export const CA_COMMON_NAME = 'Switchyard Local CA';
/** Long-lived: users trust it once. */
export const CA_VALIDITY_DAYS = 3650;
const DAY_MS = 86_400_000;

export interface CaMaterial {
  certPem: string;
  keyPem: string;
}

export async function createCaCertificate(now = new Date()): Promise<CaMaterial> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${CA_COMMON_NAME}, O=Switchyard`,
    notBefore: new Date(now.getTime() - 3_600_000),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    keys,
    signingAlgorithm: EC_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await privateKeyPem(keys.privateKey) };
}
