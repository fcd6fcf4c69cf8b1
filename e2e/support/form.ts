import type { Locator, Page } from 'playwright-core';

/**
 * Fills an input and checks the input holds exactly `value` afterwards, refilling up to 3 times.
 *
 * Why: Playwright fills a `type=number` input by selecting its text and inserting the new one; on a loaded machine a
 * focus change between the two can leave the old digits in place ("70000" + "5433"), and the test then reads a
 * client-side validation error as a product bug.
 * @throws Error naming the field and what it held when the value never stuck.
 */
export async function fillExactly(field: Locator, value: string): Promise<void> {
  let held = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    await field.fill('');
    await field.fill(value);
    held = await field.inputValue();
    if (held === value) return;
  }
  throw new Error(`field ${String(field)} holds "${held}" after filling "${value}"`);
}

/**
 * Waits until `field` has the keyboard focus, e.g. a dialog's `cdkFocusInitial` field.
 *
 * Why: MatDialog moves the focus to its initial field when the open animation ends; on a loaded machine that can land
 * between Playwright selecting another field's text and typing into it, sending the text to the wrong field.
 */
export async function waitForFocus(field: Locator, timeoutMs = 10_000): Promise<void> {
  const handle = await field.elementHandle({ timeout: timeoutMs });
  await field.page().waitForFunction((el) => el === el?.ownerDocument.activeElement, handle, { timeout: timeoutMs });
}

/**
 * Picks `option` in a mat-select and waits until the select shows it (the option panel closes with an animation;
 * a click during it may not register on a loaded machine).
 * @throws Error when the select never shows the option.
 */
export async function chooseOption(page: Page, select: Locator, option: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    await select.click();
    await page.getByRole('option', { name: option, exact: true }).click();
    await page
      .locator('.mat-mdc-select-panel')
      .waitFor({ state: 'detached', timeout: 5000 })
      .catch(() => undefined);
    const shown = ((await select.textContent()) ?? '').trim();
    if (shown === option) return;
  }
  throw new Error(`select ${String(select)} does not show "${option}"`);
}

/**
 * What a dialog form holds, for a failure message: every `field-*` input's value and every invalid form field's label.
 * Never includes a password: prm's forms have no password input.
 */
export async function describeForm(form: Locator): Promise<string> {
  return form
    .evaluate((el) => {
      const values = [...el.querySelectorAll('input[data-testid^="field-"]')].map(
        (i) => `${i.getAttribute('data-testid')}=${JSON.stringify((i as unknown as { value: string }).value)}`,
      );
      const selects = [...el.querySelectorAll('mat-select[data-testid^="field-"]')].map(
        (s) => `${s.getAttribute('data-testid')}=${JSON.stringify((s.textContent ?? '').trim())}`,
      );
      const invalid = [...el.querySelectorAll('.mat-form-field-invalid mat-label')].map((l) => l.textContent?.trim());
      return `values: ${[...values, ...selects].join(', ')}\ninvalid: ${invalid.join(', ') || '(none)'}`;
    })
    .catch((err: unknown) => `(form not readable: ${String(err)})`);
}

/** Closes any open dialog or select panel (Escape until no overlay backdrop is left), so a failure does not block the next test. */
export async function closeOverlays(page: Page): Promise<void> {
  for (let i = 0; i < 3; i++) {
    if ((await page.locator('.cdk-overlay-backdrop').count()) === 0) return;
    await page.keyboard.press('Escape');
    await page.waitForTimeout(300);
  }
}
