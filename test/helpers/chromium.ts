// Chromium for end-to-end tests: Debian's `chromium` (CHROMIUM_BIN) driven by playwright-core.
// Screenshots go to test-artifacts/ (gitignored). Without Chromium the test FAILS saying how to
// install it.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { repoRoot } from './config-fixtures.js';

export async function launchChromium(): Promise<Browser> {
  const bin = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
  if (!existsSync(bin)) {
    throw new Error(
      `Chromium is required for end-to-end tests (looked for ${bin}): run ./scripts/setup-test-env (Debian package chromium) and source .test-env`,
    );
  }
  return chromium.launch({ executablePath: bin, args: ['--no-sandbox', '--disable-gpu'] });
}

/** Saves a full-page screenshot as test-artifacts/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const dir = join(repoRoot(), 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** On the dev IdP's login form: fills in the user and submits. */
export async function submitIdpLogin(
  page: Page,
  username: string,
  password: string,
): Promise<void> {
  await page.waitForSelector('form#login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}
