/**
 * Every English text of the app, in one place: a translation is a copy of this object with the same shape
 * (`Strings`), chosen in strings.ts. Texts with values are functions.
 */
export const en = {
  appName: 'MyLife',
  loading: 'Opening your messages…',
  login: {
    title: 'Log in to MyLife',
    identity: 'Username or address',
    identityHint: (host: string) => `For example alice or alice@${host}`,
    password: 'Password',
    submit: 'Log in',
    submitting: 'Logging in…',
  },
  session: {
    signedInAs: (address: string) => `Logged in as ${address}`,
    logout: 'Log out',
  },
  tabs: {
    noOwner: 'MyLife is open in another tab that does not answer. Close the other MyLife tabs, or reload this one.',
    ownerClosed:
      'The MyLife tab that keeps your messages closed before it answered, so this may not have been done. Check, and try again.',
    otherVersion: 'Another MyLife tab runs a different version of the app. Reload all MyLife tabs.',
  },
} as const;

export type Strings = typeof en;
