import type { Browser, Page } from 'playwright-core';
import { savedCopyHolds, savedDraft } from './support/browser-storage';
import {
  BROWSER_TEST_TIMEOUT_MS,
  composer,
  conversationItem,
  goTo,
  openAppAs,
  until,
  withPassword,
  browserSuite,
  expectMessageState,
  incoming,
  logIn,
  mainNavigation,
  openApp,
  openChat,
  outgoing,
  send,
  startChat,
  storedCopies,
  storedMessages,
  watchedPage,
  WebUser,
} from './support/browser';
import { resident, sendAcross } from './support/federation';
import { TestNode } from './support/test-node';

describe('web app: two tabs of one person', () => {
  const web = browserSuite();
  let nodeA: TestNode, nodeB: TestNode;
  let alice: WebUser, bob: WebUser;
  let browser: Browser;
  let firstTab: Page, secondTab: Page, bobPage: Page;

  beforeAll(async () => {
    ({ nodeA, nodeB, alice, bob } = await web.pair({ friends: true }));
    browser = await web.browser();
    [firstTab, bobPage] = await Promise.all([web.page(browser, 'alice tab 1'), web.page(browser, 'bob')]);
  }, 60_000);

  /**
   * Each node holds as many messages each way as were sent, none twice. The web app seals them end to end (both have
   * keys), so the nodes are counted, not searched for the texts.
   */
  async function storedOnceEach(sent: { fromAlice: number; fromBob: number }): Promise<void> {
    for (const node of [nodeA, nodeB]) {
      expect({
        fromAlice: await storedMessages(node, alice, bob),
        fromBob: await storedMessages(node, bob, alice),
      }).toEqual(sent);
    }
  }

  it(
    'converge: what one tab sends shows in the other, what arrives shows in both, and nothing is sent twice',
    async () => {
      await openAppAs(firstTab, alice);
      secondTab = watchedPage(await firstTab.context().newPage(), 'alice tab 2');
      await openApp(secondTab, nodeA);
      await mainNavigation(secondTab).waitFor(); // the same session: no second login
      await openAppAs(bobPage, bob);

      await startChat(firstTab, bob.address);
      await startChat(secondTab, bob.address);

      const fromSecond = 'Sent from the second tab';
      await send(secondTab, fromSecond);
      await outgoing(firstTab, fromSecond).waitFor();
      await openChat(bobPage, alice.address);
      await incoming(bobPage, fromSecond).waitFor();

      const fromFirst = 'And this one from the first tab';
      await send(firstTab, fromFirst);
      await outgoing(secondTab, fromFirst).waitFor();
      await incoming(bobPage, fromFirst).waitFor();

      const fromBob = 'Bob answers both tabs at once';
      await send(bobPage, fromBob);
      await incoming(firstTab, fromBob).waitFor();
      await incoming(secondTab, fromBob).waitFor();

      // Both tabs agree on every state, ticks included, once things settle.
      for (const tab of [firstTab, secondTab]) {
        await expectMessageState(tab, fromSecond, 'read');
        await expectMessageState(tab, fromFirst, 'read');
      }
      for (const text of [fromSecond, fromFirst]) expect(await incoming(bobPage, text).count()).toBe(1);
      await storedOnceEach({ fromAlice: 2, fromBob: 1 });
      for (const node of [nodeA, nodeB]) expect(await storedCopies(node, fromSecond)).toBe(0);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'the other tab carries on alone when the first one closes, still sending each message once',
    async () => {
      await firstTab.close({ runBeforeUnload: true });

      const alone = 'Only the second tab is open now';
      await send(secondTab, alone);
      await incoming(bobPage, alone).waitFor();
      await expectMessageState(secondTab, alone, 'read');

      const late = 'Bob writes after the first tab closed';
      await sendAcross(bob, alice.address, late);
      await incoming(secondTab, late).waitFor();

      // bob's late message went through the API as plaintext: the node has it once, as it is.
      await storedOnceEach({ fromAlice: 3, fromBob: 2 });
      expect([await storedCopies(nodeA, late), await storedCopies(nodeB, late)]).toEqual([1, 1]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'logging out leaves nothing of alice behind for the next person in this browser',
    async () => {
      await composer(secondTab).fill('a draft nobody else should read');
      await until(secondTab, () => savedDraft(secondTab, 'a draft nobody else should read'), 'the draft saved');
      await secondTab.getByRole('button', { name: 'Log out' }).click();
      await secondTab.getByRole('heading', { name: 'Log in to MyLife' }).waitFor();

      const carol = withPassword(await resident(nodeA, 'carol'));
      await logIn(secondTab, carol);
      await goTo(secondTab, 'Chats');
      expect(await conversationItem(secondTab, bob.address).count()).toBe(0);
      expect(await savedDraft(secondTab, 'a draft nobody else should read')).toBe(false);
      // Once carol's copy is saved, no file of this origin holds alice's messages.
      await until(
        secondTab,
        async () => !(await savedCopyHolds(secondTab, ['Only the second tab is open now'])),
        "alice's messages gone from the browser's storage",
      );
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
