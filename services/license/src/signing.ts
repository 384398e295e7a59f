/**
 * Ed25519 signing for license files, through node:crypto only. The server signs the exact bytes
 * of a license payload; a client checks them with the server's public key (SPKI PEM), which it
 * gets from its configuration, never from the server it is talking to.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** An Ed25519 key pair as PEM text (PKCS#8 private key, SPKI public key). */
export interface SigningKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** Why a key could not be loaded; `reason` is for people. */
export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

/** Makes a fresh Ed25519 key pair. */
export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * Reads an Ed25519 private key from PEM text and derives its public key.
 * @throws SigningKeyError when the text is not an Ed25519 private key
 */
export function keyPairFromPrivatePem(privateKeyPem: string): SigningKeyPair {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(privateKeyPem);
  } catch (err) {
    throw new SigningKeyError(`not a PEM private key (${(err as Error).message})`, { cause: err });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(`the private key is ${privateKey.asymmetricKeyType ?? 'unknown'}, not ed25519`);
  }
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * Loads an Ed25519 public key from the `license.publicKey` setting: PEM text (starts with
 * `-----BEGIN`) or the path of a file holding it.
 * @throws SigningKeyError naming what is wrong (unreadable file, not PEM, not Ed25519)
 */
export function loadPublicKey(setting: string): KeyObject {
  const trimmed = setting.trim();
  if (!trimmed)
    throw new SigningKeyError(
      "it is empty: set it to the license server's Ed25519 public key (PEM) or a file holding it",
    );
  let pem = trimmed;
  if (!trimmed.startsWith('-----BEGIN')) {
    try {
      pem = readFileSync(trimmed, 'utf8');
    } catch (err) {
      throw new SigningKeyError(`it is neither PEM text nor a readable file (${(err as Error).message})`, {
        cause: err,
      });
    }
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new SigningKeyError(`not a PEM public key (${(err as Error).message})`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(`the public key is ${key.asymmetricKeyType ?? 'unknown'}, not ed25519`);
  }
  return key;
}

/** Signs `data` with an Ed25519 private key (PEM or KeyObject); 64 bytes. */
export function signBytes(data: Buffer, privateKey: string | KeyObject): Buffer {
  // Ed25519 hashes internally: the algorithm argument must be null.
  return sign(null, data, privateKey);
}

/** Whether `signature` is a valid Ed25519 signature of `data` under `publicKey`. */
export function verifyBytes(data: Buffer, signature: Buffer, publicKey: KeyObject): boolean {
  try {
    return verify(null, data, publicKey, signature);
  } catch {
    // A signature of the wrong length makes node:crypto throw; for us it is just invalid.
    return false;
  }
}
