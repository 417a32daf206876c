/** The one mail layout: escaped values, safe links, readable button text, and a text part that says the same. */
import { describe, expect, it } from 'vitest';
import { renderMail } from '../src/layout.ts';

describe('renderMail', () => {
  it('escapes every value, keeps the link in both parts and names the language', () => {
    const m = renderMail(
      { name: 'Tea & <Co>', accentColor: '#ffeb3b', homeUrl: 'https://tea.example/', lang: 'zh-CN' },
      {
        heading: 'Reset <b>now</b>',
        blocks: [
          { kind: 'text', text: 'Hello "Ada"\nline two' },
          { kind: 'button', label: 'Choose a password', url: 'https://tea.example/account/reset?token=abc&x=1' },
          {
            kind: 'rows',
            rows: [
              { label: '1 × Oolong', value: '€12.50' },
              { label: 'Total', value: '€17.50', strong: true },
            ],
          },
          { kind: 'note', text: 'Ignore <script>alert(1)</script>' },
        ],
        footer: 'Footer',
      },
    );
    expect(m.html).toContain('<html lang="zh-CN">');
    expect(m.html).toContain('Tea &amp; &lt;Co&gt;');
    expect(m.html).toContain('Reset &lt;b&gt;now&lt;/b&gt;');
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('Hello &quot;Ada&quot;<br>line two');
    expect(m.html).toContain('href="https://tea.example/account/reset?token=abc&amp;x=1"');
    // Dark text on a light accent, white on a dark one.
    expect(m.html).toContain('color:#111111');
    expect(
      renderMail({ name: 'S', accentColor: '#1f2937' }, { heading: 'h', blocks: [{ kind: 'button', label: 'Go', url: 'https://x.example' }] }).html,
    ).toContain('color:#ffffff');
    expect(m.text).toContain('Choose a password:\nhttps://tea.example/account/reset?token=abc&x=1');
    expect(m.text).toMatch(/1 × Oolong\s+€12\.50/);
    expect(m.text).toContain('Ignore <script>alert(1)</script>');
    expect(m.text.startsWith('Reset <b>now</b>\n')).toBe(true);
    expect(m.text).toContain('Tea & <Co>\nhttps://tea.example/\nFooter');
  });

  it('never links a javascript: or relative URL, and ignores an accent that is not a colour', () => {
    const m = renderMail(
      { name: 'S', accentColor: 'red;background:url(x)', logoUrl: 'javascript:alert(1)', homeUrl: '/relative' },
      { heading: 'h', blocks: [{ kind: 'button', label: 'Click', url: 'javascript:alert(1)' }] },
    );
    expect(m.html).not.toContain('javascript:');
    expect(m.html).not.toContain('url(x)');
    expect(m.html).not.toContain('href="/relative"');
    expect(m.html).toContain('#1f2937');
  });
});
