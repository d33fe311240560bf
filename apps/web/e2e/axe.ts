import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from './fixtures';

/** WCAG 2.1 A and AA, as issue 18 asks. */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Runs axe on the page as it is now and fails with each violation's rule, nodes and why. */
export async function expectNoViolations(page: Page, state: string) {
  const { violations } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const report = violations
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n${v.nodes
          .map((n) => `    ${n.target.join(' ')}\n      ${n.failureSummary?.replaceAll('\n', '\n      ')}`)
          .join('\n')}`,
    )
    .join('\n');
  expect(
    violations.map((v) => v.id),
    `axe on ${state}:\n${report}`,
  ).toEqual([]);
}
