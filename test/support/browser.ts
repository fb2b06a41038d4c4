import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { DESKTOP, launchChromium, launchChromiumWithProfile, PHONE } from './chromium';
import { DEFAULT_PASSWORD } from './factories';
import { befriendAcross, eventually, Resident, resident, startFederatedNode } from './federation';
import { queryDatabase } from './services';
import { stopNode, TestNode } from './test-node';

export { DESKTOP, PHONE };

/**
 * How long a step of a story may take before the test fails: generous, because the machine's speed varies by a third
 * from run to run and two spec files share its two cores, but bounded, so that a broken app fails instead of hanging.
 */
export const STEP_TIMEOUT_MS = 20_000;
/** A queued message after the network returns: the client's outbox backs off (1 s doubling) while it is offline. */
export const RECONNECT_TIMEOUT_MS = 45_000;
/** Jest's timeout for one browser test. */
export const BROWSER_TEST_TIMEOUT_MS = 180_000;

const ROOT = resolve(__dirname, '..', '..');
export const SCREENSHOTS_DIR = join(ROOT, 'test-artifacts', 'screenshots');

/**
 * What a spec file opened (nodes, browsers, contexts, folders), closed last-first in `afterAll`, each step bounded in
 * time, every step tried even when one before it failed: a failed test never leaves a browser or a node running.
 */
export class Teardown {
  private readonly steps: { what: string; run: () => Promise<unknown> }[] = [];

  add(what: string, run: () => Promise<unknown>): void {
    this.steps.push({ what, run });
  }

  async run(): Promise<void> {
    const failures: string[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await withinMs(step.run(), 30_000, step.what);
      } catch (error) {
        failures.push(`${step.what}: ${String(error)}`);
      }
    }
    if (failures.length > 0) throw new Error(`teardown: ${failures.join('; ')}`);
  }
}

async function withinMs<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A person in the story: an account on a node, and the browser page they look at. */
export interface WebUser extends Resident {
  password: string;
}

/**
 * The set-up of one spec file: `const web = browserSuite()` at the top of a describe registers the teardown, then
 * `await web.node()`, `await web.browser()`, `await web.page(browser, 'alice')` inside the tests or `beforeAll`.
 */
export function browserSuite() {
  const teardown = new Teardown();
  afterAll(() => teardown.run(), 120_000);
  return {
    teardown,
    /** A federated node on loopback (see `startFederatedNode`), destroyed at the end. */
    async node(env: Record<string, string | undefined> = {}): Promise<TestNode> {
      const node = await startFederatedNode(env);
      teardown.add(`destroy node ${node.server}`, async () => {
        await stopNode(node);
        await node.destroy();
      });
      return node;
    },
    /** alice on node A and bob on node B, each with an account (and friends already when `friends` is set). */
    async pair({ friends = false } = {}) {
      const [nodeA, nodeB] = await Promise.all([this.node(), this.node()]);
      const [alice, bob] = await Promise.all([resident(nodeA, 'alice'), resident(nodeB, 'bob')]);
      if (friends) await befriendAcross(alice, bob);
      return { nodeA, nodeB, alice: withPassword(alice), bob: withPassword(bob) };
    },
    async browser(): Promise<Browser> {
      const browser = await launchChromium();
      teardown.add('close the browser', () => browser.close());
      return browser;
    },
    /** A fresh context (its own storage, as another person's browser) and one page in it. */
    async page(browser: Browser, label: string, viewport = DESKTOP): Promise<Page> {
      const context = await browser.newContext({ viewport });
      teardown.add(`close ${label}'s context`, () => context.close());
      return watchedPage(await context.newPage(), label);
    },
    /**
     * A browser of its own whose profile lives in a folder, so that closing it and launching it again on the same
     * folder is a browser restart: OPFS, localStorage and the service worker stay. Answers a function that
     * (re)launches it; the last one launched is closed at the end and the folder removed.
     */
    persistentBrowser(label: string, viewport = DESKTOP) {
      const userDataDir = mkdtempSync(join(tmpdir(), `mylife-web-${label}-`));
      let current: BrowserContext | null = null;
      teardown.add(`remove ${label}'s profile`, async () => rmSync(userDataDir, { recursive: true, force: true }));
      teardown.add(`close ${label}'s browser`, async () => current?.close());
      return {
        userDataDir,
        async launch(): Promise<{ context: BrowserContext; page: Page }> {
          const context = await launchChromiumWithProfile(userDataDir, viewport);
          current = context;
          context.on('close', () => {
            if (current === context) current = null;
          });
          const page = context.pages()[0] ?? (await context.newPage());
          return { context, page: watchedPage(page, label) };
        },
      };
    },
  };
}

/** Errors thrown in the page are printed with whose page it was: an app bug shows up in the test's output. */
export function watchedPage(page: Page, label: string): Page {
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on('pageerror', (error) => console.warn(`[${label}] uncaught in the page: ${error.stack ?? error.message}`));
  return page;
}

/**
 * This browser loses the network: new requests fail (Chromium's offline mode) and the connections it had to `node`
 * are cut, as a dropped link ends them (offline mode alone leaves an open event stream flowing). Other clients of the
 * node lose their connections too and reconnect.
 */
export async function dropNetwork(context: BrowserContext, node: TestNode): Promise<void> {
  await context.setOffline(true);
  (node.app.getHttpServer() as Server).closeAllConnections();
}

export async function restoreNetwork(context: BrowserContext): Promise<void> {
  await context.setOffline(false);
}

export function withPassword(resident: Resident, password = DEFAULT_PASSWORD): WebUser {
  return { ...resident, password };
}

// --- the story's steps -------------------------------------------------------------------------------------------

/** The app as the node serves it, at its root. */
export function appUrl(node: TestNode): string {
  return `${node.url}/`;
}

/** Opens the node's web app and waits until it shows either the login or the logged-in shell. */
export async function openApp(page: Page, node: TestNode): Promise<void> {
  await page.goto(appUrl(node));
  await loginOrShell(page).waitFor();
}

function loginOrShell(page: Page): Locator {
  return page.getByRole('heading', { name: 'Log in to MyLife' }).or(mainNavigation(page)).first();
}

export function mainNavigation(page: Page): Locator {
  return page.getByRole('navigation', { name: 'Main' });
}

export async function fillLogin(page: Page, identity: string, password: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Username or address' }).fill(identity);
  await page.getByRole('textbox', { name: 'Password' }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** Logs in with the username (the page's origin is 127.0.0.1, the node's server name localhost: see the report). */
export async function logIn(page: Page, user: WebUser): Promise<void> {
  await fillLogin(page, user.username, user.password);
  await mainNavigation(page).or(loginAlert(page)).first().waitFor();
  if (await loginAlert(page).isVisible()) {
    throw new Error(`${user.username} could not log in: ${await loginAlert(page).textContent()}`);
  }
}

/** Opens the app that `user`'s node serves and logs in as `user`: how most stories begin. */
export async function openAppAs(page: Page, user: WebUser): Promise<void> {
  await openApp(page, user.node);
  await logIn(page, user);
}

export function loginAlert(page: Page): Locator {
  return page.getByRole('alert');
}

/** Follows one of the shell's links: "Chats", "Friends" (its name may carry a count: "Friends 1"), "Devices". */
export async function goTo(page: Page, view: 'Chats' | 'Friends' | 'Devices'): Promise<void> {
  await mainNavigation(page)
    .getByRole('link', { name: new RegExp(`^${view}\\b`) })
    .click();
  if (view !== 'Chats') await page.getByRole('heading', { name: view, exact: true }).waitFor();
}

export function list(page: Page, name: 'Incoming invites' | 'Sent invites' | 'Your friends'): Locator {
  return page.getByRole('list', { name });
}

export async function sendInvite(page: Page, address: string): Promise<void> {
  await goTo(page, 'Friends');
  await page.getByRole('textbox', { name: "Friend's address" }).fill(address);
  await page.getByRole('button', { name: 'Send invite' }).click();
  await list(page, 'Sent invites')
    .getByRole('button', { name: `Revoke invite to ${address}` })
    .waitFor();
}

/** Waits for the invite to arrive (live, no reload) and accepts it; resolves once they are friends here. */
export async function acceptInviteFrom(page: Page, address: string): Promise<void> {
  await goTo(page, 'Friends');
  await list(page, 'Incoming invites')
    .getByRole('button', { name: `Accept invite from ${address}` })
    .click();
  await friendEntry(page, address).waitFor();
}

/** The entry of `address` in "Your friends". */
export function friendEntry(page: Page, address: string): Locator {
  return list(page, 'Your friends')
    .getByRole('listitem')
    .filter({ has: page.getByRole('button', { name: `Remove ${address} from friends` }) });
}

export function conversationList(page: Page): Locator {
  return page.getByRole('list', { name: 'Conversations' });
}

export function conversationItem(page: Page, address: string): Locator {
  return conversationList(page).locator(`[data-testid="conversation"][data-peer="${address}"]`);
}

export function messageLog(page: Page, address: string): Locator {
  return page.getByRole('log', { name: `Messages with ${address}` });
}

/** Opens the conversation with `address` from the inbox (waiting for it to be listed). */
export async function openChat(page: Page, address: string): Promise<void> {
  await goTo(page, 'Chats');
  await conversationItem(page, address).click();
  await messageLog(page, address).waitFor();
}

/** Opens the conversation with a friend from the friend list: the way to a first message. */
export async function startChat(page: Page, address: string): Promise<void> {
  await goTo(page, 'Friends');
  await friendEntry(page, address)
    .getByRole('link', { name: /^Message / })
    .click();
  await messageLog(page, address).waitFor();
}

export function composer(page: Page): Locator {
  return page.getByRole('textbox', { name: 'Message', exact: true });
}

/** Types `text` into the composer and presses Enter; resolves once it is shown as an outgoing message. */
export async function send(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press('Enter');
  await outgoing(page, text).waitFor();
}

export function messages(page: Page): Locator {
  return page.locator('[data-testid="message"]');
}

/** The message whose text is `text` (its whole text contains it). */
export function message(page: Page, text: string): Locator {
  return messages(page).filter({ hasText: text });
}

export function outgoing(page: Page, text: string): Locator {
  return message(page, text).and(page.locator('[data-direction="out"]'));
}

export function incoming(page: Page, text: string): Locator {
  return message(page, text).and(page.locator('[data-direction="in"]'));
}

export type MessageState = 'pending' | 'sent' | 'acked' | 'read' | 'failed' | 'received';

/** The accessible label of each outgoing state's tick. */
export const TICK_LABELS: Partial<Record<MessageState, string>> = {
  pending: 'Pending',
  sent: 'Sent',
  acked: 'Delivered',
  read: 'Read',
  failed: 'Failed',
};

/** Waits until the one message with `text` has `data-state` among `states` (one state or several). */
export async function expectMessageState(
  page: Page,
  text: string,
  states: MessageState | MessageState[],
  timeoutMs = STEP_TIMEOUT_MS,
): Promise<MessageState> {
  const wanted = Array.isArray(states) ? states : [states];
  let seen: string[] = [];
  try {
    return await eventually(
      async () => {
        seen = await message(page, text).evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-state')!));
        return seen.length === 1 && wanted.includes(seen[0] as MessageState) && (seen[0] as MessageState);
      },
      timeoutMs,
      `message "${text}" in state ${wanted.join(' or ')}`,
    );
  } catch (error) {
    await failureScreenshot(page, `state-${text}`);
    throw new Error(`${String(error)}; the page shows ${seen.length} such message(s), state(s): ${seen.join(', ')}`, {
      cause: error,
    });
  }
}

/** The tick's accessible label of the message with `text`: an `aria-label`, or a `title`, on an element in it. */
export async function tickLabel(page: Page, text: string): Promise<string | null> {
  const labels = Object.values(TICK_LABELS);
  return message(page, text).evaluate((node, known) => {
    for (const element of [node, ...node.querySelectorAll('*')]) {
      for (const value of [element.getAttribute('aria-label'), element.getAttribute('title')]) {
        if (value && known.includes(value)) return value;
      }
    }
    return null;
  }, labels);
}

export function connectionBanner(page: Page): Locator {
  return page.getByTestId('connection-banner');
}

/** Polls a condition on the page; on time-out saves a screenshot named after it, then fails with `what`. */
export async function until<T>(
  page: Page,
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = STEP_TIMEOUT_MS,
): Promise<T> {
  try {
    return await eventually(check, timeoutMs, what);
  } catch (error) {
    await failureScreenshot(page, what);
    throw error;
  }
}

/** `test-artifacts/screenshots/<name>.png` (a git-ignored folder). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const path = join(SCREENSHOTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

async function failureScreenshot(page: Page, what: string): Promise<void> {
  const name = `failed-${what.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`;
  const path = await screenshot(page, name).catch(() => null);
  if (path) console.warn(`screenshot of the failure: ${path}`);
}

// --- what the nodes hold --------------------------------------------------------------------------------------

/**
 * How many rows of `node`'s messages table hold exactly `content`: a message sent twice would count 2. Only for a
 * message sent in plaintext (to someone without keys): one sealed end to end is stored as its envelope, and counts 0.
 */
export async function storedCopies(node: TestNode, content: string): Promise<number> {
  const [row] = await queryDatabase<{ copies: string }>(
    node.config.databaseUrl!,
    'SELECT count(*) AS copies FROM friend_messages WHERE content = $1',
    [content],
  );
  return Number(row.copies);
}

/**
 * How many messages from `from` to `to` `node`'s messages table holds, sealed or not: what tells a message sent once
 * from one sent twice when the node cannot read them (two users in the web app talk end to end encrypted).
 */
export async function storedMessages(node: TestNode, from: WebUser, to: WebUser): Promise<number> {
  const [row] = await queryDatabase<{ stored: string }>(
    node.config.databaseUrl!,
    'SELECT count(*) AS stored FROM friend_messages WHERE from_user_id = $1 AND to_user_id = $2',
    [from.address, to.address],
  );
  return Number(row.stored);
}
