import type { Browser } from 'playwright-core';
import { accessibilityViolations } from './support/accessibility';
import { browserSuite } from './support/browser';
import { chromiumExecutable } from './support/chromium';

/** The browser suite's own tools can fail: a check that passes on anything would hide the app's problems. */
describe('browser test harness', () => {
  const web = browserSuite();
  let browser: Browser;

  beforeAll(async () => {
    browser = await web.browser();
  }, 60_000);

  it('the accessibility check reports a serious violation (a button without a name, text without contrast)', async () => {
    const page = await web.page(browser, 'harness');
    await page.setContent(
      `<html lang="en"><head><title>t</title></head><body><main><h1>Title</h1>
       <button type="button"><svg width="10" height="10"></svg></button>
       <p style="color:#eee;background:#fff">faint text</p></main></body></html>`,
    );
    const violations = await accessibilityViolations(page, 'harness page');
    expect(violations.join('\n')).toMatch(/button-name/);
    expect(violations.join('\n')).toMatch(/color-contrast/);
  });

  it('names the install command when Chromium is missing', () => {
    const before = process.env.MYLIFE_CHROMIUM;
    process.env.MYLIFE_CHROMIUM = '/nonexistent/chromium';
    try {
      expect(() => chromiumExecutable()).toThrow(
        'No Chromium at /nonexistent/chromium: install it with `apt-get install chromium` (or set MYLIFE_CHROMIUM to its path).',
      );
    } finally {
      if (before === undefined) delete process.env.MYLIFE_CHROMIUM;
      else process.env.MYLIFE_CHROMIUM = before;
    }
  });
});
