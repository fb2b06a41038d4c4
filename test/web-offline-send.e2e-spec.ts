import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import {
  BROWSER_TEST_TIMEOUT_MS,
  goTo,
  messageLog,
  messages,
  browserSuite,
  connectionBanner,
  conversationItem,
  conversationList,
  expectMessageState,
  incoming,
  openAppAs,
  openChat,
  RECONNECT_TIMEOUT_MS,
  send,
  startChat,
  storedCopies,
  tickLabel,
  until,
  WebUser,
} from './support/browser';
import { befriend, bearer } from './support/factories';
import { resident, sendAcross } from './support/federation';
import { stopNode, TestNode } from './support/test-node';

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
      await openAppAs(alicePage, alice);
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
      await openAppAs(bobPage, bob);
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

  it(
    'a long history: the newest messages first, older ones when scrolled to the top or asked for with the button',
    async () => {
      // From carol, alice's friend on her own node: one batch, numbered in the order written. Alice has read it on
      // another device, so the conversation opens at its newest page (with unread messages it opens at the first
      // unread one, however far back).
      const carol = await resident(nodeA, 'carol');
      await befriend(nodeA, carol, alice);
      const total = 150;
      const history = Array.from({ length: total }, (_, i) => ({
        toUserId: alice.address,
        content: `History line ${String(i).padStart(3, '0')}`,
        clientMessageId: `history-${i}`,
      }));
      const batch = await request(nodeA.url)
        .post('/api/messages/batch')
        .set(bearer(carol))
        .send({ messages: history })
        .expect(200);
      expect(batch.body.results.every((result: { status: number }) => result.status === 201)).toBe(true);
      for (const result of batch.body.results as { message: { id: string } }[]) {
        await request(nodeA.url)
          .post(`/api/messages/${result.message.id}/read`)
          .set(bearer(alice))
          .send({})
          .expect(200);
      }
      await goTo(alicePage, 'Chats');
      await conversationItem(alicePage, carol.address).waitFor();
      await until(
        alicePage,
        async () => (await conversationItem(alicePage, carol.address).getByTestId('unread-count').count()) === 0,
        'the history read on the other device',
      );
      await openChat(alicePage, carol.address);
      await incoming(alicePage, 'History line 149').waitFor();

      const lines = async () =>
        (await messages(alicePage).allTextContents())
          .map((text) => /History line (\d{3})/.exec(text)?.[1])
          .filter((line): line is string => line !== undefined)
          .map(Number);
      const shownAtFirst = (await lines()).length;
      expect(shownAtFirst).toBeLessThan(total);

      // Scrolled to the top, the log loads the page before.
      await messageLog(alicePage, carol.address).evaluate((log) => log.scrollTo({ top: 0 }));
      await until(alicePage, async () => (await lines()).length > shownAtFirst, 'older messages after scrolling up');

      // The keyboard way, until the first line is there.
      const loadOlder = alicePage.getByRole('button', { name: 'Load older messages' });
      await until(
        alicePage,
        async () => {
          if ((await lines()).includes(0)) return true;
          if (await loadOlder.isVisible()) await loadOlder.click();
          return false;
        },
        'the whole history shown',
        60_000,
      );
      const shown = await lines();
      expect(shown).toEqual(Array.from({ length: total }, (_, i) => i));

      // The inbox: latest activity first, whoever wrote last.
      const order = async () =>
        conversationList(alicePage)
          .locator('[data-testid="conversation"]')
          .evaluateAll((items) => items.map((item) => item.getAttribute('data-peer')));
      await goTo(alicePage, 'Chats');
      await until(alicePage, async () => (await order())[0] === carol.address, 'carol first after her history');
      await sendAcross(bob, alice.address, 'Bob writes last');
      await until(alicePage, async () => (await order())[0] === bob.address, 'bob first after his new message');
      expect(await order()).toEqual([bob.address, carol.address]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'messages written offline reach bob in the order alice wrote them',
    async () => {
      await goTo(alicePage, 'Chats');
      await openChat(alicePage, bob.address);
      await goTo(bobPage, 'Chats');
      await openChat(bobPage, alice.address);
      await stopNode(nodeA);
      await until(
        alicePage,
        async () => (await connectionBanner(alicePage).textContent())?.startsWith('Offline'),
        'the banner says Offline',
      );
      const written = Array.from({ length: 6 }, (_, i) => `In a tunnel, line ${i + 1} of 6`);
      for (const text of written) await send(alicePage, text);
      await nodeA.restart();
      for (const text of written) await incoming(bobPage, text).waitFor({ timeout: RECONNECT_TIMEOUT_MS });
      const onBobsScreen = (await messages(bobPage).allTextContents())
        .map((text) => written.find((line) => text.includes(line)))
        .filter((line) => line !== undefined);
      expect(onBobsScreen).toEqual(written);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'with nothing queued, the app notices within seconds that the node is back (it tries again with backoff)',
    async () => {
      const page = await web.page(browser, 'alice at home');
      await openAppAs(page, alice);
      const banner = connectionBanner(page);
      await stopNode(nodeA);
      await until(page, async () => (await banner.textContent())?.startsWith('Offline'), 'Offline');
      await page.waitForTimeout(3_000); // a short outage
      await nodeA.restart();
      const back = Date.now();
      await banner.waitFor({ state: 'detached', timeout: RECONNECT_TIMEOUT_MS });
      const noticedAfterMs = Date.now() - back;
      console.log(`the app noticed the node was back ${noticedAfterMs} ms after it was`);
      // Tries at about 1–2, 3–6, 7–14 s into the outage; a flat poll would take up to 30 s.
      expect(noticedAfterMs).toBeLessThan(15_000);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
