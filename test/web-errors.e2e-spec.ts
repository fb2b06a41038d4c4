import type { Browser } from 'playwright-core';
import request from 'supertest';
import {
  appUrl,
  BROWSER_TEST_TIMEOUT_MS,
  browserSuite,
  connectionBanner,
  conversationItem,
  dropNetwork,
  expectMessageState,
  fillLogin,
  goTo,
  list,
  logIn,
  loginAlert,
  mainNavigation,
  message,
  openApp,
  openAppAs,
  RECONNECT_TIMEOUT_MS,
  restoreNetwork,
  send,
  startChat,
  storedCopies,
  tickLabel,
  until,
  WebUser,
  withPassword,
} from './support/browser';
import { bearer, befriend, sendMessage } from './support/factories';
import { eventually, resident } from './support/federation';
import { stopNode, TestNode } from './support/test-node';

describe('web app: what went wrong is said in words', () => {
  const web = browserSuite();
  let nodeA: TestNode;
  let alice: WebUser, bob: WebUser;
  let browser: Browser;

  beforeAll(async () => {
    ({ nodeA, alice, bob } = await web.pair({ friends: true }));
    browser = await web.browser();
  }, 60_000);

  it(
    'a wrong password: the login says so, and the right one then works',
    async () => {
      const page = await web.page(browser, 'alice');
      await openApp(page, nodeA);
      await fillLogin(page, alice.username, 'not the password at all');
      await loginAlert(page).waitFor();
      expect(await loginAlert(page).textContent()).toMatch(/Wrong username or password/i);
      expect(await mainNavigation(page).count()).toBe(0);

      await logIn(page, alice);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    "a lock-out after too many wrong passwords says how long to wait, from the node's Retry-After",
    async () => {
      const locked = withPassword(await resident(nodeA, 'locked'));
      // The node's default: 10 wrong passwords per account and address in 15 minutes; the browser is on loopback too.
      for (let guess = 0; guess < 10; guess++) {
        await request(nodeA.url)
          .post('/api/auth/session')
          .send({ username: locked.username, password: 'a wrong guess' })
          .expect(401);
      }
      const page = await web.page(browser, 'locked out');
      await openApp(page, nodeA);
      await fillLogin(page, locked.username, locked.password);
      await until(
        page,
        async () => /Too many attempts/.test((await loginAlert(page).textContent()) ?? ''),
        'the login says there were too many attempts',
      );
      expect(await loginAlert(page).textContent()).toMatch(/Try again in 1[45] minutes\./);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  /*
   * The page's host need not be the node's server name: here 127.0.0.1:<port> for a node named localhost:<port> (in a
   * home, the LAN address of a node named home.example). The app takes the name the node publishes at
   * /.well-known/mylife-federation, for the hint and to tell the person's own address from another server's.
   */
  it(
    'her full address logs her in also when the page was opened at another name of the node',
    async () => {
      const page = await web.page(browser, 'alice by address');
      await openApp(page, nodeA);
      expect(new URL(appUrl(nodeA)).host).not.toBe(nodeA.server);
      await until(
        page,
        async () => (await page.getByText(`For example alice or alice@${nodeA.server}`).count()) === 1,
        "the hint names the node's server, not the page's host",
      );
      await fillLogin(page, `bob@${new URL(appUrl(nodeA)).host}`, 'any password');
      await until(
        page,
        async () => (await loginAlert(page).textContent())?.includes(`belongs to ${new URL(appUrl(nodeA)).host}`),
        "an address at the page's host is another server's",
      );
      await fillLogin(page, alice.address, alice.password);
      await mainNavigation(page).or(loginAlert(page)).first().waitFor();
      expect(await loginAlert(page).count()).toBe(0);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    "an unreachable node: the login says it can't reach the node, by its host",
    async () => {
      const page = await web.page(browser, 'alice on a dead node');
      await openApp(page, nodeA);
      await stopNode(nodeA);
      try {
        await fillLogin(page, alice.address, alice.password);
        await loginAlert(page).waitFor();
        const host = new URL(appUrl(nodeA)).host;
        expect(await loginAlert(page).textContent()).toMatch(
          new RegExp(`Can[’']t reach ${host.replace(/\./g, '\\.')}`),
        );
      } finally {
        await nodeA.restart();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'a refused send: bob unfriended alice before her queued message went out; it fails with the reason, Retry and Discard',
    async () => {
      const page = await web.page(browser, 'alice');
      const context = page.context();
      await openAppAs(page, alice);
      await startChat(page, bob.address);

      // alice's browser loses the network; she writes to bob, it waits in her outbox.
      await dropNetwork(context, nodeA);
      await until(
        page,
        async () => (await connectionBanner(page).textContent())?.startsWith('Offline'),
        'the banner says Offline once the network is gone',
      );
      const text = 'Did you get my postcard?';
      await send(page, text);
      await expectMessageState(page, text, 'pending');

      // Meanwhile bob removes alice on his node, and node A hears of it.
      await request(bob.node.url)
        .delete('/api/friends')
        .set(bearer(bob))
        .send({ friendUserId: alice.address })
        .expect(200);
      await eventually(
        async () => {
          const answer = await request(nodeA.url).get('/api/friends').set(bearer(alice)).expect(200);
          return answer.body.friends.length === 0;
        },
        10_000,
        'node A knows that bob removed alice',
      );

      // The network comes back: node A refuses the queued send (403, not friends), and the app says why.
      await restoreNetwork(context);
      await expectMessageState(page, text, 'failed', RECONNECT_TIMEOUT_MS);
      const failed = message(page, text);
      expect(await tickLabel(page, text)).toBe('Failed');
      expect(await failed.textContent()).toMatch(/not friends/);
      await failed.getByRole('button', { name: 'Retry' }).waitFor();
      expect(await storedCopies(nodeA, text)).toBe(0);

      await failed.getByRole('button', { name: 'Discard' }).click();
      await failed.waitFor({ state: 'detached' });
      expect(await storedCopies(nodeA, text)).toBe(0);
      expect(await storedCopies(bob.node, text)).toBe(0);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'a browser logged out from another one says "Logged out" and offers to log in again',
    async () => {
      const [desk, laptop] = [
        await web.page(browser, 'alice at her desk'),
        await web.page(browser, 'alice on a laptop'),
      ];
      for (const page of [desk, laptop]) {
        await openAppAs(page, alice);
      }
      // The laptop's device name ends in the short id its browser profile keeps.
      const laptopId = await laptop.evaluate(() => localStorage.getItem('mylife.device-id'));
      expect(laptopId).toBeTruthy();

      await goTo(desk, 'Devices');
      const devices = desk.getByRole('list', { name: 'Logged-in devices' });
      await devices.getByRole('listitem').filter({ hasText: 'This device' }).waitFor();
      await devices.getByRole('button', { name: new RegExp(`^Log out .*${laptopId}$`) }).click();
      await devices.getByRole('button', { name: new RegExp(`^Log out .*${laptopId}$`) }).waitFor({ state: 'detached' });

      const banner = connectionBanner(laptop);
      await until(
        laptop,
        async () => (await banner.textContent())?.startsWith('Logged out'),
        'the laptop says Logged out',
      );
      await banner.getByRole('button', { name: 'Log in again' }).click();
      await logIn(laptop, alice);
      await banner.waitFor({ state: 'detached' });

      // Logged in again, the laptop syncs at once: a message to alice shows within seconds, not after the 30-s poll
      // interval that followed the refused token.
      const carol = await resident(nodeA, 'carol');
      await befriend(nodeA, carol, alice);
      await sendMessage(nodeA, carol, alice, 'Welcome back, laptop');
      await goTo(laptop, 'Chats');
      await conversationItem(laptop, carol.address)
        .filter({ hasText: 'Welcome back, laptop' })
        .waitFor({ timeout: 8_000 });
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'an invite the node refuses (no such user) says so instead of showing it as sent',
    async () => {
      const page = await web.page(browser, 'alice inviting');
      await openAppAs(page, alice);
      await goTo(page, 'Friends');
      const nobody = `nobody@${nodeA.server}`;
      await page.getByRole('textbox', { name: "Friend's address" }).fill('nobody');
      await page.getByRole('button', { name: 'Send invite' }).click();
      await until(
        page,
        async () => (await page.getByTestId('refused-action').filter({ hasText: nobody }).count()) === 1,
        "a note names the refused invite, with the node's reason",
        10_000,
      );
      const note = await page.getByTestId('refused-action').filter({ hasText: nobody }).textContent();
      expect(note).toMatch(/not sent: .*no user/i);
      expect(
        await list(page, 'Sent invites')
          .getByRole('button', { name: `Revoke invite to ${nobody}` })
          .count(),
      ).toBe(0);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
