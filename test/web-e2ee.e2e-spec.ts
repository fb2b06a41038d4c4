import { randomUUID } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { accessibilityViolations } from './support/accessibility';
import {
  BROWSER_TEST_TIMEOUT_MS,
  browserSuite,
  composer,
  conversationItem,
  DESKTOP,
  goTo,
  incoming,
  mainNavigation,
  messageLog,
  openApp,
  openAppAs,
  PHONE,
  screenshot,
  send,
  startChat,
  until,
  watchedPage,
  WebUser,
} from './support/browser';
import { sendAcross } from './support/federation';
import { tablesHolding } from './support/plaintext-scan';
import { TestNode } from './support/test-node';

/** The conversation header's lock and label (notes/web-plan.md, "E2EE"). */
function encryptionState(page: Page): Locator {
  return page.getByTestId('encryption-state');
}

function securityDialog(page: Page, name: string): Locator {
  return page.getByRole('dialog', { name: `Encryption with ${name}` });
}

function keyChangeBanner(page: Page): Locator {
  return page.getByTestId('key-change-banner');
}

/** Waits for the header to say `state` and whether the conversation is verified. */
async function expectEncryption(page: Page, state: 'encrypted', verified: boolean): Promise<void> {
  await page.locator(`[data-testid="encryption-state"][data-state="${state}"][data-verified="${verified}"]`).waitFor();
}

interface ShownNumber {
  digits: string;
  qrPayload: string;
}

/** The safety number the open Security dialog shows: its digits and its QR code's payload. */
async function shownNumber(dialog: Locator): Promise<ShownNumber> {
  await dialog.getByTestId('safety-number').waitFor();
  return {
    digits: (await dialog.getByTestId('safety-number').textContent())!,
    qrPayload: (await dialog.getByTestId('safety-qr').getAttribute('data-payload'))!,
  };
}

/** Opens the Security dialog from the header and reads its safety number. */
async function readSafetyNumber(page: Page, name: string): Promise<ShownNumber> {
  await encryptionState(page).click();
  return shownNumber(securityDialog(page, name));
}

async function closeDialog(page: Page, name: string): Promise<void> {
  await securityDialog(page, name).getByRole('button', { name: 'Close' }).click();
  await securityDialog(page, name).waitFor({ state: 'detached' });
}

function hasFocus(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => element === document.activeElement);
}

/**
 * Screenshots of what the page shows at desktop and phone widths, light and dark, and axe's serious problems in each
 * (the dark colours have contrasts of their own).
 */
async function lookAtBothWidths(page: Page, name: string): Promise<string[]> {
  const problems: string[] = [];
  try {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      for (const [width, size] of [
        ['desktop', DESKTOP],
        ['phone', PHONE],
      ] as const) {
        await page.setViewportSize(size);
        const view = `${name}-${width}${colorScheme === 'dark' ? '-dark' : ''}`;
        problems.push(...(await accessibilityViolations(page, view)));
        await screenshot(page, view);
      }
    }
  } finally {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize(DESKTOP);
  }
  return problems;
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('web app: alice@A and bob@B talk end-to-end encrypted, compare safety numbers, and see a key change', () => {
  const web = browserSuite();
  let nodeA: TestNode, nodeB: TestNode;
  let alice: WebUser, bob: WebUser;
  let alicePage: Page, bobPage: Page;
  let firstNumber: ShownNumber;

  /** No table of either node's database holds `marker`, in any column. */
  async function expectInNoTable(marker: string): Promise<void> {
    expect({ A: await tablesHolding(nodeA, marker), B: await tablesHolding(nodeB, marker) }).toEqual({ A: [], B: [] });
  }

  beforeAll(async () => {
    ({ nodeA, nodeB, alice, bob } = await web.pair({ friends: true }));
    const browser = await web.browser();
    [alicePage, bobPage] = await Promise.all([web.page(browser, 'alice'), web.page(browser, 'bob')]);
    await Promise.all([openAppAs(alicePage, alice), openAppAs(bobPage, bob)]);
  }, 60_000);

  it(
    'shows the lock on both sides, neither node stores the text, and both show the same safety number and QR payload',
    async () => {
      await Promise.all([startChat(alicePage, bob.address), startChat(bobPage, alice.address)]);
      await Promise.all([
        expectEncryption(alicePage, 'encrypted', false),
        expectEncryption(bobPage, 'encrypted', false),
      ]);
      for (const page of [alicePage, bobPage]) {
        expect(await encryptionState(page).getAttribute('aria-haspopup')).toBe('dialog');
        expect(await encryptionState(page).textContent()).toMatch(/^Encrypted/);
        expect(await page.getByTestId('encryption-notice').count()).toBe(0);
      }

      const marker = `marker-${randomUUID()}`;
      const toBob = `Sealed in the browser on node A ${marker}`;
      const toAlice = `And the answer, sealed on node B ${marker}`;
      await send(alicePage, toBob);
      await incoming(bobPage, toBob).waitFor();
      await send(bobPage, toAlice);
      await incoming(alicePage, toAlice).waitFor();
      for (const [page, text] of [
        [bobPage, toBob],
        [alicePage, toAlice],
      ] as const) {
        expect(await incoming(page, text).getAttribute('data-encryption')).toBe('e2ee');
      }
      await expectInNoTable(marker);

      // What the servers could read (bob's token posting text through the API, unsealed) says so in this conversation.
      const readable = 'Posted through the API, readable by the servers';
      await sendAcross(bob, alice.address, readable);
      await incoming(alicePage, readable).getByTestId('message-plain').waitFor();
      expect(await incoming(alicePage, readable).getAttribute('data-encryption')).toBe('plain');
      expect(await incoming(alicePage, readable).getByTestId('message-plain').textContent()).toBe('Not encrypted');
      expect(await alicePage.getByTestId('message-plain').count()).toBe(1);
      const problems = await lookAtBothWidths(alicePage, 'e2ee-conversation');

      const onAlice = await readSafetyNumber(alicePage, bob.address);
      const onBob = await readSafetyNumber(bobPage, alice.address);
      expect(onAlice.digits).toMatch(/^\d{5}( \d{5}){11}$/);
      expect(onAlice.qrPayload).toMatch(/^mylife-safety:1:[^:]+@[^:]+(:\d+)?:[0-9a-f]+:[^:]+@[^:]+(:\d+)?:[0-9a-f]+$/);
      expect(onBob).toEqual(onAlice);
      // The QR code is drawn (an SVG with a path), named for screen readers.
      const qr = securityDialog(alicePage, bob.address).getByRole('img', {
        name: `QR code of your safety number with ${bob.address}`,
      });
      expect(await qr.evaluate((svg) => svg.tagName.toLowerCase())).toBe('svg');
      expect(await qr.locator('path').count()).toBeGreaterThan(0);
      firstNumber = onAlice;

      const dialog = securityDialog(alicePage, bob.address);
      expect(await hasFocus(dialog.getByRole('button', { name: 'Close' }))).toBe(true);
      expect(await dialog.getByTestId('verified-state').textContent()).toBe('Not verified yet.');
      problems.push(...(await lookAtBothWidths(alicePage, 'e2ee-security-dialog')));
      await closeDialog(bobPage, alice.address);
      expect(problems).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    "keeps 'Mark as verified' across a reload, and a second tab (which asks the first) shows the same",
    async () => {
      const dialog = securityDialog(alicePage, bob.address);
      await dialog.getByRole('button', { name: 'Mark as verified' }).click();
      await dialog.locator('[data-testid="verified-state"][data-verified="true"]').waitFor();
      expect(await dialog.getByTestId('verified-state').textContent()).toBe(
        `You verified ${bob.address}’s safety number.`,
      );
      expect(await dialog.getByRole('button', { name: 'Mark as verified' }).count()).toBe(0);
      await closeDialog(alicePage, bob.address);
      await expectEncryption(alicePage, 'encrypted', true);
      expect(await encryptionState(alicePage).textContent()).toMatch(/^Encrypted\s*Verified/);
      // The focus went back to what opened the dialog.
      expect(await hasFocus(encryptionState(alicePage))).toBe(true);
      expect(await lookAtBothWidths(alicePage, 'e2ee-verified')).toEqual([]);

      await alicePage.reload();
      await messageLog(alicePage, bob.address).waitFor();
      await expectEncryption(alicePage, 'encrypted', true);
      expect(await readSafetyNumber(alicePage, bob.address)).toEqual(firstNumber);
      await securityDialog(alicePage, bob.address)
        .locator('[data-testid="verified-state"][data-verified="true"]')
        .waitFor();
      await closeDialog(alicePage, bob.address);

      // A second tab of alice's answers through the tab that owns the copy: the same state and number.
      const secondTab = watchedPage(await alicePage.context().newPage(), 'alice tab 2');
      try {
        await openApp(secondTab, nodeA);
        await mainNavigation(secondTab).waitFor();
        await startChat(secondTab, bob.address);
        await expectEncryption(secondTab, 'encrypted', true);
        expect(await readSafetyNumber(secondTab, bob.address)).toEqual(firstNumber);
      } finally {
        await secondTab.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'after bob resets his keys alice sees the banner, cannot send until she acknowledges, and a new shared number',
    async () => {
      await goTo(bobPage, 'Devices');
      const fingerprint = bobPage.getByTestId('own-fingerprint');
      await fingerprint.waitFor();
      const before = await fingerprint.textContent();
      await bobPage.getByRole('button', { name: 'Reset encryption keys' }).click();
      const confirm = bobPage.getByRole('dialog', { name: 'Reset this device’s encryption keys?' });
      // The safe answer has the focus first.
      expect(await hasFocus(confirm.getByRole('button', { name: 'Cancel' }))).toBe(true);
      await screenshot(bobPage, 'e2ee-reset-keys-confirm');
      await confirm.getByRole('button', { name: 'Reset keys' }).click();
      await bobPage.getByText('This device has new encryption keys.').waitFor();
      await until(bobPage, async () => (await fingerprint.textContent()) !== before, "bob's fingerprint changes");
      await screenshot(bobPage, 'e2ee-devices-keys');

      // Live in alice's open conversation: the banner, the verified mark gone, the composer blocked.
      const banner = keyChangeBanner(alicePage);
      await banner.waitFor();
      expect(await banner.getAttribute('data-peer')).toBe(bob.address);
      expect(await banner.getByRole('alert').textContent()).toMatch(
        new RegExp(`^${escaped(bob.address)}’s safety number changed\\.`),
      );
      await expectEncryption(alicePage, 'encrypted', false);
      expect(await composer(alicePage).isDisabled()).toBe(true);
      expect(await composer(alicePage).getAttribute('placeholder')).toBe('Acknowledge the new safety number to send');
      expect(await alicePage.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
      const problems = await lookAtBothWidths(alicePage, 'e2ee-key-change-banner');

      // The new number, from the banner: not the old one, and the same on both sides.
      await banner.getByRole('button', { name: 'View safety number' }).click();
      const dialog = securityDialog(alicePage, bob.address);
      const newOnAlice = await shownNumber(dialog);
      expect(newOnAlice.digits).not.toBe(firstNumber.digits);
      expect(newOnAlice.qrPayload).not.toBe(firstNumber.qrPayload);
      expect(await dialog.getByTestId('verified-state').getAttribute('data-verified')).toBe('false');
      problems.push(...(await accessibilityViolations(alicePage, 'security dialog after a key change')));
      await screenshot(alicePage, 'e2ee-security-dialog-key-changed');
      await closeDialog(alicePage, bob.address);
      await goTo(bobPage, 'Chats');
      await conversationItem(bobPage, alice.address).click();
      await messageLog(bobPage, alice.address).waitFor();
      expect(await readSafetyNumber(bobPage, alice.address)).toEqual(newOnAlice);
      await closeDialog(bobPage, alice.address);

      await banner.getByRole('button', { name: 'Acknowledge' }).click();
      await banner.waitFor({ state: 'detached' });
      await until(alicePage, async () => !(await composer(alicePage).isDisabled()), 'the composer is enabled again');
      expect(await hasFocus(composer(alicePage))).toBe(true);
      const marker = `marker-${randomUUID()}`;
      const after = `Sealed for bob's new keys ${marker}`;
      await send(alicePage, after);
      await incoming(bobPage, after).waitFor();
      expect(await incoming(bobPage, after).getAttribute('data-encryption')).toBe('e2ee');
      await expectInNoTable(marker);
      expect(problems).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
