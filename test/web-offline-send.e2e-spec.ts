import type { Browser, Page } from 'playwright-core';
import {
  BROWSER_TEST_TIMEOUT_MS,
  browserSuite,
  connectionBanner,
  expectMessageState,
  incoming,
  logIn,
  openApp,
  openChat,
  RECONNECT_TIMEOUT_MS,
  send,
  startChat,
  stopNode,
  storedCopies,
  tickLabel,
  until,
  WebUser,
} from './support/browser';
import { TestNode } from './support/test-node';

describe("web app: a message written while alice's node is down", () => {
  const web = browserSuite();
  let nodeA: TestNode, nodeB: TestNode;
  let alice: WebUser, bob: WebUser;
  let browser: Browser;
  let alicePage: Page, bobPage: Page;

  beforeAll(async () => {
    ({ nodeA, nodeB, alice, bob } = await web.pair({ friends: true }));
    browser = await web.browser();
    [alicePage, bobPage] = await Promise.all([web.page(browser, 'alice'), web.page(browser, 'bob')]);
  }, 60_000);

  it(
    'shows the offline banner, keeps the message pending, then delivers it exactly once: pending → sent → delivered → read',
    async () => {
      await openApp(alicePage, nodeA);
      await logIn(alicePage, alice);
      await startChat(alicePage, bob.address);

      await stopNode(nodeA);
      const banner = connectionBanner(alicePage);
      await until(
        alicePage,
        async () => (await banner.textContent())?.startsWith('Offline'),
        'the banner says Offline once node A is down',
      );
      expect(await banner.getAttribute('role')).toBe('status');

      const text = 'Written on the train while node A was down';
      await send(alicePage, text);
      await expectMessageState(alicePage, text, 'pending');
      expect(await tickLabel(alicePage, text)).toBe('Pending');
      expect(await storedCopies(nodeB, text)).toBe(0);

      await nodeA.restart();
      await banner.waitFor({ state: 'detached', timeout: RECONNECT_TIMEOUT_MS });
      // On B now, and no device of bob's has fetched it (he has not opened the app yet): sent, and it stays so.
      await expectMessageState(alicePage, text, 'sent', RECONNECT_TIMEOUT_MS);
      expect(await tickLabel(alicePage, text)).toBe('Sent');

      // bob opens the app: his browser fetches it (delivered), then he opens the conversation (read).
      await openApp(bobPage, nodeB);
      await logIn(bobPage, bob);
      await expectMessageState(alicePage, text, 'acked');
      await openChat(bobPage, alice.address);
      await incoming(bobPage, text).waitFor();
      await expectMessageState(alicePage, text, 'read');

      // Exactly once: on bob's screen, in alice's, and in each node's database.
      expect(await incoming(bobPage, text).count()).toBe(1);
      await expectMessageState(alicePage, text, 'read');
      expect(await storedCopies(nodeA, text)).toBe(1);
      expect(await storedCopies(nodeB, text)).toBe(1);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
