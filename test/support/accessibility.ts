/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import type { Page } from 'playwright-core';

interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  helpUrl: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

let axeSource: string | undefined;

/**
 * Runs axe-core (WCAG 2.x A and AA rules) on what the page shows now. Serious and critical violations are returned
 * for the test to fail on; the others are printed, so that they are seen without blocking.
 */
export async function accessibilityViolations(page: Page, view: string): Promise<string[]> {
  axeSource ??= readFileSync(join(dirname(require.resolve('axe-core')), 'axe.min.js'), 'utf8');
  // Injected through the DevTools protocol (evaluate), which the page's Content-Security-Policy does not govern.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<any> } }).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations as unknown;
  });
  const describe = (violation: AxeViolation) =>
    `${view}: [${violation.impact}] ${violation.id} — ${violation.help} (${violation.nodes
      .map((node) => JSON.stringify(node.target))
      .slice(0, 5)
      .join(', ')}) ${violation.helpUrl}`;
  const all = violations as AxeViolation[];
  const blocking = all.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  const others = all.filter((violation) => !blocking.includes(violation));
  if (others.length > 0) console.log(`accessibility notes:\n${others.map(describe).join('\n')}`);
  return blocking.map(describe);
}
