import { chromium } from 'playwright-core';
const [,, url, out, ...steps] = process.argv;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log('[page]', m.text()); });
page.on('pageerror', (e) => console.log('[pageerror]', e.message));
await page.goto(url);
await page.waitForTimeout(4000);
for (const step of steps) {
  const [kind, arg] = step.split('=');
  if (kind === 'click') await page.getByTestId(arg).click();
  if (kind === 'wait') await page.waitForTimeout(Number(arg));
  if (kind === 'hover') await page.getByTestId(arg).first().hover();
}
await page.screenshot({ path: out });
await browser.close();
