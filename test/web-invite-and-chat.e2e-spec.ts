import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { accessibilityViolations } from './support/accessibility';
import {
  acceptInviteFrom,
  BROWSER_TEST_TIMEOUT_MS,
  browserSuite,
  composer,
  conversationItem,
  DESKTOP,
  expectMessageState,
  friendEntry,
  goTo,
  incoming,
  list,
  mainNavigation,
  messageLog,
  messages,
  openApp,
  openAppAs,
  openChat,
  outgoing,
  PHONE,
  screenshot,
  send,
  sendInvite,
  startChat,
  storedCopies,
  storedMessages,
  tickLabel,
  until,
  WebUser,
} from './support/browser';
import { bearer } from './support/factories';
import { threadOf } from './support/federation';
import { TestNode } from './support/test-node';

describe('web app: alice@A and bob@B meet and talk through the UI', () => {
  const web = browserSuite();
  let nodeA: TestNode, nodeB: TestNode;
  let alice: WebUser, bob: WebUser;
  let browser: Browser;
  let alicePage: Page, bobPage: Page;

  beforeAll(async () => {
    ({ nodeA, nodeB, alice, bob } = await web.pair());
    browser = await web.browser();
    [alicePage, bobPage] = await Promise.all([web.page(browser, 'alice'), web.page(browser, 'bob')]);
  }, 60_000);

  it(
    'alice invites bob@B from the Friends view; bob sees the invite arrive live, accepts, and both list each other',
    async () => {
      await openAppAs(alicePage, alice);
      await openAppAs(bobPage, bob);
      await goTo(bobPage, 'Friends');

      await sendInvite(alicePage, bob.address);

      // Live: no reload on bob's side. The shell counts the pending invite, the list shows it.
      await mainNavigation(bobPage)
        .getByRole('link', { name: /^Friends\D*1\b/ })
        .waitFor();
      await list(bobPage, 'Incoming invites')
        .getByRole('button', { name: `Decline invite from ${alice.address}` })
        .waitFor();
      await acceptInviteFrom(bobPage, alice.address);

      // alice is still on her Friends view: bob appears there without a reload, and her sent invite is gone.
      await friendEntry(alicePage, bob.address).waitFor();
      await list(alicePage, 'Sent invites')
        .getByRole('button', { name: `Revoke invite to ${bob.address}` })
        .waitFor({ state: 'detached' });
      await mainNavigation(bobPage)
        .getByRole('link', { name: /^Friends$/ })
        .waitFor();

      // Both nodes agree.
      const friendsOf = async (user: WebUser) =>
        (await request(user.node.url).get('/api/friends').set(bearer(user)).expect(200)).body.friends.map(
          (friend: { friendUserId: string }) => friend.friendUserId,
        );
      expect(await friendsOf(alice)).toEqual([bob.address]);
      expect(await friendsOf(bob)).toEqual([alice.address]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'they talk both ways: ticks advance to delivered while bob is elsewhere, to read once he has it on screen',
    async () => {
      await goTo(bobPage, 'Chats'); // bob's device is live, but the conversation is not on his screen

      await startChat(alicePage, bob.address);
      const first = 'Hi Bob, it is Alice from node A';
      await send(alicePage, first);
      const firstState = await expectMessageState(alicePage, first, ['pending', 'sent', 'acked']);
      // bob's browser fetches it: delivered, and not read while he has not opened the conversation.
      await expectMessageState(alicePage, first, 'acked');
      expect(await tickLabel(alicePage, first)).toBe('Delivered');
      // Sealed end to end: node B has it from alice, unread, but not its text.
      const onB = (await threadOf(bob, alice.address)).filter((message) => message.fromUserId === alice.address);
      expect(onB.map((message) => [message.contentType, message.readAt])).toEqual([
        ['application/e2ee+ciphertext', null],
      ]);
      await until(
        bobPage,
        async () =>
          (await conversationItem(bobPage, alice.address).getByTestId('unread-count').textContent())?.trim() === '1',
        "bob's inbox counts 1 unread from alice",
      );
      await until(
        bobPage,
        async () => (await conversationItem(bobPage, alice.address).textContent())?.includes(first),
        "bob's inbox previews alice's message",
      );

      await openChat(bobPage, alice.address);
      await incoming(bobPage, first).waitFor();
      await expectMessageState(alicePage, first, 'read');
      expect(await tickLabel(alicePage, first)).toBe('Read');
      await conversationItem(bobPage, alice.address).getByTestId('unread-count').waitFor({ state: 'detached' });

      // And back: alice has the conversation open, so bob's reply is read as soon as it arrives.
      const reply = 'Hello Alice! Bob here, on node B';
      await send(bobPage, reply);
      await incoming(alicePage, reply).waitFor();
      await expectMessageState(bobPage, reply, 'read');
      expect(await incoming(alicePage, reply).getAttribute('data-state')).toBe('received');

      // Oldest first on both screens, each message once; and each node stored each message once.
      const texts = async (page: Page) => (await messages(page).allTextContents()).join('\n');
      for (const page of [alicePage, bobPage]) {
        const shown = await texts(page);
        expect(shown.indexOf(first)).toBeGreaterThanOrEqual(0);
        expect(shown.indexOf(first)).toBeLessThan(shown.indexOf(reply));
        expect(await messages(page).count()).toBe(2);
      }
      for (const node of [nodeA, nodeB]) {
        expect([await storedMessages(node, alice, bob), await storedMessages(node, bob, alice)]).toEqual([1, 1]);
        expect([await storedCopies(node, first), await storedCopies(node, reply)]).toEqual([0, 0]);
      }
      expect(firstState).toMatch(/pending|sent|acked/);
      // Shift+Enter starts a new line, Enter sends; what looks like markup is shown as typed.
      await composer(alicePage).fill('Two lines,');
      await composer(alicePage).press('Shift+Enter');
      await composer(alicePage).pressSequentially('<b>and not bold</b>');
      expect(await messages(alicePage).count()).toBe(2);
      await composer(alicePage).press('Enter');
      const twoLines = outgoing(alicePage, '<b>and not bold</b>');
      await twoLines.waitFor();
      expect(await twoLines.innerText()).toContain('Two lines,\n<b>and not bold</b>');
      expect(await twoLines.locator('b').count()).toBe(0);
      expect(await composer(alicePage).inputValue()).toBe('');
      await incoming(bobPage, '<b>and not bold</b>').waitFor();

      // A day separator heads today's messages.
      await messageLog(alicePage, bob.address).getByRole('separator').filter({ hasText: 'Today' }).first().waitFor();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'the login, inbox and conversation views at desktop and phone widths: screenshots, and no serious axe violations',
    async () => {
      const problems: string[] = [];
      const visitor = await web.page(browser, 'visitor');
      await openApp(visitor, nodeA);
      for (const [width, viewport] of [
        ['phone', PHONE],
        ['desktop', DESKTOP],
      ] as const) {
        await visitor.setViewportSize(viewport);
        await alicePage.setViewportSize(viewport);
        await screenshot(visitor, `login-${width}`);
        problems.push(...(await accessibilityViolations(visitor, `login (${width})`)));

        await goTo(alicePage, 'Chats');
        await conversationItem(alicePage, bob.address).waitFor();
        await screenshot(alicePage, `inbox-${width}`);
        problems.push(...(await accessibilityViolations(alicePage, `inbox (${width})`)));

        await openChat(alicePage, bob.address);
        await screenshot(alicePage, `conversation-${width}`);
        problems.push(...(await accessibilityViolations(alicePage, `conversation (${width})`)));
      }
      for (const view of ['Friends', 'Devices'] as const) {
        await goTo(alicePage, view);
        await screenshot(alicePage, `${view.toLowerCase()}-desktop`);
        problems.push(...(await accessibilityViolations(alicePage, `${view} (desktop)`)));
      }
      await alicePage.setViewportSize(PHONE);
      await goTo(alicePage, 'Chats');
      await openChat(alicePage, bob.address);
      // At phone width one pane at a time: the conversation has a way back, the inbox is not beside it.
      await alicePage.getByRole('link', { name: 'Back' }).waitFor();
      expect(await alicePage.getByRole('list', { name: 'Conversations' }).isVisible()).toBe(false);
      await alicePage.setViewportSize(DESKTOP);
      expect(problems).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
