import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type LaunchOptions } from 'playwright-core';

/*
 * Debian's Chromium driven by playwright-core: the browser of the e2e suite and of `npm run bench:web`. No browser
 * is downloaded: the machine's package is used (MYLIFE_CHROMIUM names another binary).
 */

/** The flags of the plan: no sandbox (root in CI), no GPU, nothing that phones home or updates itself. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export function chromiumExecutable(): string {
  const path = process.env.MYLIFE_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `No Chromium at ${path}: install it with \`apt-get install chromium\` (or set MYLIFE_CHROMIUM to its path).`,
    );
  }
  return path;
}

function launchOptions(): LaunchOptions {
  return { executablePath: chromiumExecutable(), args: CHROMIUM_ARGS, timeout: 60_000 };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch(launchOptions());
}

/** A browser whose profile lives in `userDataDir`: closing it and launching it again there is a browser restart. */
export function launchChromiumWithProfile(
  userDataDir: string,
  viewport: { width: number; height: number } = DESKTOP,
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, { ...launchOptions(), viewport });
}
