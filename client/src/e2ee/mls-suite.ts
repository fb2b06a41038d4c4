import {
  type AuthenticationService,
  type CiphersuiteImpl,
  type ClientConfig,
  defaultKeyPackageEqualityConfig,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
} from 'ts-mls';

export const CIPHER_SUITE_NAME = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';

let suite: Promise<CiphersuiteImpl> | undefined;

export function cipherSuite(): Promise<CiphersuiteImpl> {
  suite ??= getCiphersuiteImpl(getCiphersuiteFromName(CIPHER_SUITE_NAME));
  return suite;
}

/**
 * Messages of one sender can arrive out of order (a federation retry): keys of skipped messages are kept for up to
 * 1,000 messages and 16 membership changes, far beyond ts-mls's defaults (10 and 4), so that a late message still
 * opens; a key is deleted once used, which is what turns a replay away.
 */
const KEY_RETENTION = { retainKeysForGenerations: 1000, retainKeysForEpochs: 16, maximumForwardRatchetSteps: 1000 };

/** ts-mls keeps the client config out of the saved group state: it is built again for every state loaded. */
export function clientConfigFor(authService: AuthenticationService): ClientConfig {
  return {
    keyRetentionConfig: KEY_RETENTION,
    lifetimeConfig: defaultLifetimeConfig,
    keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
    paddingConfig: defaultPaddingConfig,
    authService,
  };
}
