import { en } from './en.ts';

/** The app's texts. One language today; a translation would be chosen here from navigator.language. */
export const strings = en;
