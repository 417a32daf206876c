/**
 * Issue 17 in real Chromium at phone (390 px) and desktop widths: the cart's − / + stepper and Remove, the
 * checkout with its own header, the folded order summary on phones, the translated country list preselecting
 * the store's country, an inline field error that is visible (not under a header); the forgot-password,
 * reset, verification and account pages. axe: 0 serious/critical on every page. Screenshots in test-artifacts/.
 */
import { randomBytes } from 'node:crypto';
import { createLogger } from '@storeloom/log';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, launchChromium, serveOnFreePort, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

async function checkA11y(page: Page, name: string) {
  expect(await axeViolations(page), `accessibility of ${name}`).toEqual([]);
}

describe('storefront accounts, cart and checkout in Chromium (issue 17)', { timeout: 240_000 }, () => {
  let p: TestPlatform;
  let browser: Browser;
  let sf: { port: number; close(): Promise<void> };
  let store: { id: string; slug: string };
  let schema: string;
  const url = (path: string) => `http://${store.slug}.localhost:${sf.port}${path}`;

  beforeAll(async () => {
    p = await startTestPlatform();
    const logger = createLogger({ level: 'silent' });
    sf = await serveOnFreePort(
      createStorefrontApp(p.db, logger, {
        rootDomain: 'localhost',
        queues: p.queues,
        mail: p.services.mail,
        secret: 'e2e-accounts-secret-0123456789abcdef0123',
        pageCacheTtlMs: 0,
        storeCacheTtlMs: 0,
      }).fetch,
    );
    const { cookie } = await signup(p);
    store = await createStore(p, cookie, undefined, 'EUR');
    schema = (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow()).schema_name;
    await p.db.control.updateTable('stores').set({ country: 'DE' }).where('id', '=', store.id).execute();
    await createProduct(p, cookie, store.id, { title: 'Stoneware Teapot', variants: [{ sku: 'TP-1', price: 4200, inventoryQuantity: 30 }] });
    await createProduct(p, cookie, store.id, { title: 'Tea Towel', variants: [{ sku: 'TT-1', price: 1200, inventoryQuantity: 12 }] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sf?.close();
    await p?.close();
  });

  const addToCart = async (page: Page, handle: string) => {
    await page.goto(url(`/products/${handle}`));
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Added to your cart').waitFor();
  };

  it('cart stepper and Remove; checkout with its own header, folded summary on phones, store country, inline error in view', async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.phone });
    await addToCart(page, 'stoneware-teapot');
    await addToCart(page, 'tea-towel');
    await page.goto(url('/cart'));
    // + past ten (the old select stopped at 10), − back, then Remove.
    const plus = page.getByRole('button', { name: 'Increase the quantity of Tea Towel' });
    const quantityIs = (n: number) =>
      page.waitForFunction(
        (v) => (document.querySelector('input[name=quantity][aria-label="Quantity of Tea Towel"]') as HTMLInputElement | null)?.value === String(v),
        n,
      );
    for (let i = 0; i < 11; i++) {
      await plus.click();
      await quantityIs(i + 2);
    }
    await expect(page.getByRole('spinbutton', { name: 'Quantity of Tea Towel' }).inputValue()).resolves.toBe('12');
    // Stock is 12: + is disabled there.
    expect(await plus.isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Decrease the quantity of Tea Towel' }).click();
    await quantityIs(11);
    await expect(page.getByRole('spinbutton', { name: 'Quantity of Tea Towel' }).inputValue()).resolves.toBe('11');
    await page.screenshot({ path: artifactPath('sf-cart-stepper-phone.png'), fullPage: true });
    await checkA11y(page, 'sf-cart-stepper-phone.png');
    await page.getByRole('button', { name: 'Remove Tea Towel' }).click();
    await page.getByRole('button', { name: 'Remove Tea Towel' }).waitFor({ state: 'detached' });
    // (Tea Towel may still show among the cart's "You may also like" cards, outside the lines.)
    expect(await page.locator('ul.lines').getByRole('link', { name: 'Tea Towel' }).count()).toBe(0);
    await expect(page.getByTestId('cart-count').textContent()).resolves.toBe('1');

    await page.goto(url('/checkout'));
    await page.getByTestId('checkout-header').waitFor();
    expect(await page.locator('.site-header').count()).toBe(0);
    expect(await page.locator('.site-footer').count()).toBe(0);
    // The folded summary is above the form on phones, with the total; the desktop column is hidden.
    const summary = page.getByTestId('mobile-summary');
    expect(await summary.isVisible()).toBe(true);
    const summaryBox = await summary.boundingBox();
    const formBox = await page.locator('form.checkout-form').boundingBox();
    expect((summaryBox?.y ?? 1e9) < (formBox?.y ?? 0)).toBe(true);
    expect(await page.locator('.checkout-summary').isVisible()).toBe(false);
    await page.screenshot({ path: artifactPath('sf-checkout-folded-phone.png') });
    await summary.locator('summary').click();
    await expect(page.getByTestId('mobile-total').textContent()).resolves.toMatch(/47\.00|47,00/);
    // Germany (the store's country) is preselected in a full, named list.
    await expect(page.locator('select[name=country]').inputValue()).resolves.toBe('DE');
    expect(await page.locator('select[name=country] option').count()).toBe(249);
    // Labels follow the country: the US says ZIP code and State.
    await page.selectOption('select[name=country]', 'US');
    await page.getByText('ZIP code').waitFor();
    await page.getByText('State', { exact: true }).waitFor();
    await page.selectOption('select[name=country]', 'DE');
    await page.fill('input[name=email]', 'shopper@example.com');
    await page.fill('input[name=name]', 'Greta Käufer');
    await page.fill('input[name=line1]', 'Torstraße 1');
    await page.fill('input[name=city]', 'Berlin');
    // A postal code longer than allowed: refused at its field, the message under it and in view.
    await page.fill('input[name=postalCode]', '1'.repeat(21));
    await page.getByRole('button', { name: /Continue to payment/ }).click();
    const error = page.locator('#ship-postalCode-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('Postal code is too long');
    expect(await page.locator('#ship-postalCode').getAttribute('aria-describedby')).toBe('ship-postalCode-error');
    await page.locator('#ship-postalCode').scrollIntoViewIfNeeded();
    await page.locator('#ship-postalCode').focus();
    const box = await page.locator('#ship-postalCode').boundingBox();
    expect(box && box.y >= 0 && box.y + box.height <= VIEWPORTS.phone.height).toBe(true);
    await page.screenshot({ path: artifactPath('sf-checkout-inline-error-phone.png') });
    await checkA11y(page, 'sf-checkout-inline-error-phone.png');
    await page.fill('input[name=postalCode]', '10119');
    await page.getByRole('button', { name: /Continue to payment/ }).click();
    await page.waitForURL(/\/checkout\/pay\//);
    await page.screenshot({ path: artifactPath('sf-pay-phone.png') });
    await page.getByRole('button', { name: 'Pay now' }).click();
    await page.waitForURL(/placed=1/);
    // German order: postcode before the city, the country named.
    await page.getByText('10119 Berlin').waitFor();
    await page.getByText('Germany').first().waitFor();
    await page.close();
  });

  it('forgot password → mailed link → new password → account with addresses; verification page; axe on each, both widths', async () => {
    const email = `acct-${randomBytes(3).toString('hex')}@example.com`;
    for (const name of ['phone', 'desktop'] as const) {
      const page = await browser.newPage({ viewport: VIEWPORTS[name] });
      if (name === 'phone') {
        await page.goto(url('/account/register'));
        await page.fill('input[name=name]', 'Jonas Schmidt');
        await page.fill('input[name=email]', email);
        await page.fill('input[name=password]', 'the first passphrase');
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.waitForURL(/\/account$/);
        await page.getByTestId('verify-banner').waitFor();
        await page.screenshot({ path: artifactPath('sf-account-new-phone.png'), fullPage: true });
        await checkA11y(page, 'sf-account-new-phone.png');
        await page.getByRole('button', { name: 'Sign out' }).click();
      }
      await page.goto(url('/account/login'));
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.waitForURL(/\/account\/forgot$/);
      await checkA11y(page, `sf-forgot-${name}.png`);
      await page.fill('input[name=email]', email);
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await page.getByTestId('reset-sent').waitFor();
      await page.screenshot({ path: artifactPath(`sf-forgot-sent-${name}.png`) });
      const mail = await p.db.control
        .selectFrom('mail_outbox')
        .select(['text_body', 'html_body'])
        .where('to_address', '=', email)
        .where('kind', '=', 'customer-password-reset')
        .orderBy('created_at', 'desc')
        .executeTakeFirstOrThrow();
      if (name === 'desktop') {
        // The branded HTML part, as a mail client would show it.
        const mailPage = await browser.newPage({ viewport: { width: 700, height: 700 } });
        await mailPage.setContent(mail.html_body ?? '');
        await mailPage.screenshot({ path: artifactPath('mail-password-reset.png'), fullPage: true });
        await mailPage.close();
      }
      const link = /http:\/\/\S+\/account\/reset\?token=[a-z2-7]+/.exec(mail.text_body)?.[0] ?? '';
      expect(link).not.toBe('');
      await page.goto(link.replace(/^http:\/\/[^/]+/, url('')));
      await checkA11y(page, `sf-reset-${name}.png`);
      await page.fill('input[name=password]', `a new passphrase ${name}`);
      await page.getByRole('button', { name: 'Save password' }).click();
      await page.waitForURL(/\/account\?notice=password-reset/);
      await page.getByText('Your password has been changed.').waitFor();
      if (name === 'phone') {
        // Save an address with the country list, see it formatted, make it the checkout's default.
        await page.selectOption('select[name=country]', 'GB');
        await page.fill('#acct-line1', '221B Baker Street');
        await page.fill('#acct-city', 'London');
        await page.fill('#acct-postalCode', 'NW1 6XE');
        await page.getByRole('button', { name: 'Save address' }).click();
        await page.waitForURL(/notice=address-saved/);
        await page.getByText('NW1 6XE').waitFor();
      }
      await page.screenshot({ path: artifactPath(`sf-account-${name}.png`), fullPage: true });
      await checkA11y(page, `sf-account-${name}.png`);
      await page.close();
    }
    // The verification link shows a confirmation page; confirming clears the banner.
    const verify = await p.db.control
      .selectFrom('mail_outbox')
      .select('text_body')
      .where('to_address', '=', email)
      .where('kind', '=', 'customer-verify-email')
      .executeTakeFirstOrThrow();
    const page = await browser.newPage({ viewport: VIEWPORTS.phone });
    await page.goto(url('/account/login'));
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', 'a new passphrase desktop');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/account$/);
    const verifyLink = /http:\/\/\S+\/account\/verify\?token=[a-z2-7]+/.exec(verify.text_body)?.[0] ?? '';
    expect(verifyLink).not.toBe('');
    await page.goto(verifyLink.replace(/^http:\/\/[^/]+/, url('')));
    await checkA11y(page, 'sf-verify-phone.png');
    await page.screenshot({ path: artifactPath('sf-verify-phone.png') });
    await page.getByRole('button', { name: 'Confirm my address' }).click();
    await page.getByText('Your e-mail address is confirmed.').waitFor();
    expect(await page.getByTestId('verify-banner').count()).toBe(0);
    expect(
      (await p.db.tenant(schema).selectFrom('customers').select('email_verified_at').where('email', '=', email).executeTakeFirstOrThrow()).email_verified_at,
    ).not.toBeNull();
    await page.close();
  });
});
