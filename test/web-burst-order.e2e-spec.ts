import type { Page } from 'playwright-core';
import {
  BROWSER_TEST_TIMEOUT_MS,
  browserSuite,
  composer,
  expectMessageState,
  openAppAs,
  startChat,
} from './support/browser';

/** Starts recording the order of the burst's messages in the log at every change of the page. */
async function recordOrders(page: Page): Promise<void> {
  await page.evaluate(() => {
    const recorded: number[][] = [];
    (window as unknown as { orders: number[][] }).orders = recorded;
    const read = () =>
      [...document.querySelectorAll('[data-testid="message"]')]
        .map((node) => /Burst (\d+)\./.exec(node.textContent ?? '')?.[1])
        .filter((n): n is string => n !== undefined)
        .map(Number);
    new MutationObserver(() => recorded.push(read())).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      characterData: true,
    });
  });
}

/** Types and sends `count` messages as fast as the page takes them: each Enter while earlier ones are on their way. */
async function typeBurst(page: Page, count: number): Promise<void> {
  await composer(page).focus();
  await page.evaluate(async (n) => {
    const area = document.querySelector<HTMLTextAreaElement>('textarea')!;
    const setValue = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!;
    for (let i = 1; i <= n; i++) {
      setValue.call(area, `Burst ${i}.`);
      area.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((resolve) => setTimeout(resolve, 0));
      area.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
  }, count);
}

describe('web app: a burst of messages', () => {
  const web = browserSuite();

  it(
    "shows in the order it was written at every moment, while the node numbers it one by one (never '1, 3, 2')",
    async () => {
      const { alice, bob } = await web.pair({ friends: true });
      const page = await web.page(await web.browser(), 'alice');
      await openAppAs(page, alice);
      await startChat(page, bob.address);
      await recordOrders(page);

      const count = 40;
      await typeBurst(page, count);
      await expectMessageState(page, `Burst ${count}.`, ['sent', 'acked', 'read']);

      const orders = await page.evaluate(() => (window as unknown as { orders: number[][] }).orders);
      expect(orders.at(-1)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      const shuffled = orders.filter((order) => order.some((n, i) => i > 0 && n < order[i - 1]!));
      expect(shuffled.map((order) => order.join(','))).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
