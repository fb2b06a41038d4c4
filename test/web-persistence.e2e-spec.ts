import type { BrowserContext, Page } from 'playwright-core';
import {
  appUrl,
  BROWSER_TEST_TIMEOUT_MS,
  browserSuite,
  composer,
  connectionBanner,
  conversationItem,
  expectMessageState,
  goTo,
  incoming,
  mainNavigation,
  messageLog,
  openApp,
  openAppAs,
  openChat,
  outgoing,
  RECONNECT_TIMEOUT_MS,
  send,
  storedCopies,
  until,
  WebUser,
} from './support/browser';
import { savedDraft, savedCopyHolds, serviceWorkerReady } from './support/browser-storage';
import { sendAcross } from './support/federation';
import { stopNode, TestNode } from './support/test-node';

describe('web app: what alice has seen stays in her browser', () => {
  const web = browserSuite();
  let nodeA: TestNode;
  let alice: WebUser, bob: WebUser;
  let alicesBrowser: ReturnType<typeof web.persistentBrowser>;
  let context: BrowserContext;
  let page: Page;

  const fromBob = 'Are we still on for Sunday?';
  const fromAlice = 'Yes, see you at noon';
  const draft = 'P.S. shall I bring the';

  beforeAll(async () => {
    ({ nodeA, alice, bob } = await web.pair({ friends: true }));
    alicesBrowser = web.persistentBrowser('alice');
  }, 60_000);

  /** The inbox lists bob, the conversation holds both messages, and the composer the unsent draft. */
  async function everythingIsThere(): Promise<void> {
    await mainNavigation(page).waitFor(); // still logged in: no login form
    await goTo(page, 'Chats');
    await until(
      page,
      async () => (await conversationItem(page, bob.address).textContent())?.includes(fromAlice),
      'the inbox lists bob with the last message',
    );
    await openChat(page, bob.address);
    await incoming(page, fromBob).waitFor();
    await outgoing(page, fromAlice).waitFor();
    await until(page, async () => (await composer(page).inputValue()) === draft, 'the draft is back in the composer');
  }

  it(
    'a reload keeps the inbox, the conversation and the draft',
    async () => {
      ({ context, page } = await alicesBrowser.launch());
      await openAppAs(page, alice);
      await sendAcross(bob, alice.address, fromBob);
      await openChat(page, bob.address);
      await incoming(page, fromBob).waitFor();
      await send(page, fromAlice);
      await expectMessageState(page, fromAlice, ['sent', 'acked', 'read']);
      await composer(page).fill(draft);

      // Saved means saved: the draft in localStorage, both messages in the copy on disk (OPFS).
      await until(page, () => savedDraft(page, draft), 'the draft saved in localStorage');
      await until(page, () => savedCopyHolds(page, [fromBob, fromAlice]), 'both messages saved in OPFS');

      await page.reload();
      await messageLog(page, bob.address).or(mainNavigation(page)).first().waitFor();
      await everythingIsThere();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'a browser restart keeps them too, also with node A down: the app opens from the service worker, offline',
    async () => {
      await until(page, () => serviceWorkerReady(page), 'the service worker controls the page');
      await context.close();
      ({ context, page } = await alicesBrowser.launch());
      await openApp(page, nodeA);
      await everythingIsThere();

      await stopNode(nodeA);
      await context.close();
      ({ context, page } = await alicesBrowser.launch());
      try {
        await page.goto(appUrl(nodeA));
      } catch (error) {
        throw new Error(`the app did not open with its node down (no service worker answered): ${String(error)}`, {
          cause: error,
        });
      }
      await everythingIsThere();
      await until(
        page,
        async () => (await connectionBanner(page).textContent())?.startsWith('Offline'),
        'the banner says Offline',
      );

      // The node comes back: the same browser goes online again by itself.
      await nodeA.restart();
      await connectionBanner(page).waitFor({ state: 'detached', timeout: 45_000 });
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'a message queued with the node down survives a reload made right after Enter, and goes out once when it is back',
    async () => {
      await stopNode(nodeA);
      await until(
        page,
        async () => (await connectionBanner(page).textContent())?.startsWith('Offline'),
        'the banner says Offline',
      );
      const text = 'Sent just before the page reloaded';
      await send(page, text);
      await page.reload(); // no wait for the batched save: the closing page must hand its changes over
      await messageLog(page, bob.address).waitFor();
      await expectMessageState(page, text, 'pending');

      await nodeA.restart();
      await expectMessageState(page, text, 'sent', RECONNECT_TIMEOUT_MS);
      expect(await storedCopies(nodeA, text)).toBe(1);
      expect(await storedCopies(bob.node, text)).toBe(1);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
