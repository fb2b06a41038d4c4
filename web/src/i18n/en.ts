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
} as const;

export type Strings = typeof en;
