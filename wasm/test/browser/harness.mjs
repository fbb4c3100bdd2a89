// Shared set-up for the headless-Chromium tests: a static server on
// 127.0.0.1 (a secure context, as OPFS requires) and Debian's Chromium driven
// by playwright-core through a persistent context in a fresh profile
// directory, so storage behaves as on disk (incognito contexts keep it in
// memory). Every page's uncaught errors and console errors are collected so a
// test can assert there were none.
import { chromium } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, defaultMounts } from '../../../scripts/serve.mjs';

/** Blank pages the tests load (under /test/) to drive the package from. */
const PAGES = fileURLToPath(new URL('./pages', import.meta.url));

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// --no-sandbox: Chromium refuses to run as root without it (CI runs as root).
// The others stop background traffic that this offline machine would refuse.
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

/** Start a server and a browser; `close()` stops both and removes the profile. */
export async function launch({ mounts } = {}) {
  const server = await startServer({ port: 0, mounts: mounts ?? [['/test/', PAGES], ...defaultMounts()] });
  const profile = await mkdtemp(path.join(tmpdir(), 'kstone-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const problems = [];
  const watch = (page) => {
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
    });
    page.on('requestfailed', (req) => problems.push(`requestfailed: ${req.url()} ${req.failure()?.errorText}`));
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
    });
  };
  context.on('page', watch);
  context.pages().forEach(watch);
  return {
    url: server.url,
    /** The blank test page's URL. */
    blank: `${server.url}test/blank.html`,
    context,
    problems,
    async newPage() {
      return context.newPage();
    },
    async close() {
      await context.close();
      await server.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
