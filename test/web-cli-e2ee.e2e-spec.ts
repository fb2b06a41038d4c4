import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import {
  BROWSER_TEST_TIMEOUT_MS,
  browserSuite,
  composer,
  incoming,
  openAppAs,
  outgoing,
  send,
  startChat,
  WebUser,
} from './support/browser';
import { removeTempDirs, tempDir } from './support/client-harness';
import { tablesHolding } from './support/plaintext-scan';
import { runMylife, syncUntilReceived } from './support/mylife-cli';
import { TestNode } from './support/test-node';

const WAIT_MS = 20_000;

/**
 * The story: alice in the web app on node A, bob in the CLI on node B. They write to each other encrypted by
 * default, compare safety numbers, and alice is warned after bob resets his keys.
 */
describe('end-to-end encryption between the web app on one node and the CLI on another', () => {
  const web = browserSuite();
  let nodeA: TestNode, nodeB: TestNode;
  let alice: WebUser, bob: WebUser;
  let page: Page;
  let home: string;
  const asBob = (...args: string[]) => runMylife(home, ['--profile', 'bob', ...args]);

  const securityButton = () => page.getByTestId('encryption-state');

  beforeAll(async () => {
    home = tempDir();
    ({ nodeA, nodeB, alice, bob } = await web.pair({ friends: true }));
    web.teardown.add('remove the CLI home', async () => removeTempDirs());
    const login = await runMylife(
      home,
      ['--profile', 'bob', 'login', '--server', nodeB.url, '--username', bob.username],
      { env: { MYLIFE_PASSWORD: bob.password } },
    );
    expect(login.code).toBe(0);
    page = await web.page(await web.browser(), 'alice');
    await openAppAs(page, alice);
  }, 60_000);

  it(
    'a message sealed in the web app opens in the CLI on the other node, and back; neither node holds the text',
    async () => {
      const marker = `marker-${randomUUID()}`;
      await startChat(page, bob.address);
      await page.locator('[data-testid="encryption-state"][data-state="encrypted"]').waitFor();

      await send(page, `from the browser ${marker}`);
      await outgoing(page, `from the browser ${marker}`).and(page.locator('[data-encryption="e2ee"]')).waitFor();
      expect(await syncUntilReceived(asBob, alice.address, `from the browser ${marker}`)).toMatchObject({
        encryption: 'e2ee',
        fromUserId: alice.address,
      });

      const reply = await asBob('send', alice.address, `from the terminal ${marker}`, '--json');
      expect(reply.json).toMatchObject({ state: 'done', message: { encryption: 'e2ee' } });
      await incoming(page, `from the terminal ${marker}`).and(page.locator('[data-encryption="e2ee"]')).waitFor();

      expect(await tablesHolding(nodeA, marker)).toEqual([]);
      expect(await tablesHolding(nodeB, marker)).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'shows the same safety number in the browser as in the terminal',
    async () => {
      await securityButton().click();
      const dialog = page.getByTestId('security-dialog');
      const shownInBrowser = (await dialog.getByTestId('safety-number').textContent())?.trim();
      const payloadInBrowser = await dialog.getByTestId('safety-qr').getAttribute('data-payload');
      const inTerminal = (await asBob('verify', alice.address, '--json')).json.safetyNumber;
      expect(shownInBrowser).toMatch(/^(\d{5} ){11}\d{5}$/);
      expect(shownInBrowser).toBe(inTerminal.digits);
      expect(payloadInBrowser).toBe(inTerminal.qrPayload);

      await dialog.getByRole('button', { name: 'Mark as verified' }).click();
      await dialog.locator('[data-testid="verified-state"][data-verified="true"]').waitFor();
      await dialog.getByRole('button', { name: 'Close' }).click();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'warns alice in the browser after bob resets his keys in the terminal, and blocks sending until she acknowledges',
    async () => {
      const before = (await asBob('verify', alice.address, '--json')).json.safetyNumber.digits;
      expect((await asBob('keys', '--reset')).code).toBe(0);

      const banner = page.getByTestId('key-change-banner');
      await banner.waitFor({ timeout: WAIT_MS });
      await page.locator('[data-testid="encryption-state"][data-verified="false"]').waitFor();
      expect(await composer(page).isDisabled()).toBe(true);

      await banner.getByRole('button', { name: 'View safety number' }).click();
      const dialog = page.getByTestId('security-dialog');
      const after = (await asBob('verify', alice.address, '--json')).json.safetyNumber.digits;
      expect(after).not.toBe(before);
      await dialog.getByTestId('safety-number').filter({ hasText: after }).waitFor();
      await dialog.getByRole('button', { name: 'Close' }).click();

      await banner.getByRole('button', { name: 'Acknowledge' }).click();
      await banner.waitFor({ state: 'detached' });
      expect(await composer(page).isEnabled()).toBe(true);
      await send(page, 'still you, bob?');
      expect(await syncUntilReceived(asBob, alice.address, 'still you, bob?')).toMatchObject({ encryption: 'e2ee' });
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
