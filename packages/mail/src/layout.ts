/**
 * One layout for every mail the platform sends: a branded HTML part (the
 * store's name or logo, its accent colour, a button for the one thing to do)
 * and a plain-text part carrying the same words and links, both built from
 * one content description so they never drift apart. Tables and inline
 * styles only (what mail clients render); every value is escaped here, so a
 * caller passes plain text and never writes HTML.
 */

export interface MailBrand {
  /** The store's (or Storeloom's) name: the header when there is no logo, and the footer. */
  name: string;
  /** Absolute URL of the logo image (http/https); shown instead of the name. */
  logoUrl?: string | null;
  /** Button and link colour, `#rrggbb`; a dark neutral when absent or not a colour. */
  accentColor?: string | null;
  /** Where the header links to (the storefront's home). */
  homeUrl?: string | null;
  /** `lang` of the HTML part, e.g. `en`, `zh-CN`. */
  lang?: string;
}

export type MailBlock =
  | { kind: 'text'; text: string }
  | { kind: 'button'; label: string; url: string }
  /** Label/value rows, e.g. an order's lines and totals; `strong` rows are set in bold (the total). */
  | { kind: 'rows'; rows: { label: string; value: string; strong?: boolean }[] }
  /** A short muted paragraph (e.g. "if it was not you, ignore this e-mail"). */
  | { kind: 'note'; text: string };

export interface MailContent {
  /** Shown in the inbox list next to the subject (hidden in the body). */
  preheader?: string;
  heading: string;
  blocks: MailBlock[];
  /** Footer line under the store name (e.g. the store's address or why the mail was sent). */
  footer?: string;
  /** A link under the footer line, e.g. "Unsubscribe" in marketing mail (also in the text part). */
  footerLink?: { label: string; url: string };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const safeUrl = (u: string) => (/^https?:\/\//i.test(u) ? u : null);
const colour = (c: string | null | undefined) => (c && /^#[0-9a-f]{6}$/i.test(c) ? c : '#1f2937');

/** White or near-black text on the accent, whichever reads better (WCAG relative luminance). */
function onColour(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const v = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? '#ffffff' : '#111111';
}

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,'Helvetica Neue',Arial,'PingFang SC','Noto Sans CJK SC',sans-serif";

function blockHtml(b: MailBlock, accent: string): string {
  switch (b.kind) {
    case 'text':
      return `<p style="margin:0 0 16px;font-size:16px;line-height:24px;color:#1f2937">${esc(b.text).replace(/\n/g, '<br>')}</p>`;
    case 'note':
      return `<p style="margin:0 0 16px;font-size:14px;line-height:20px;color:#4b5563">${esc(b.text).replace(/\n/g, '<br>')}</p>`;
    case 'button': {
      const url = safeUrl(b.url);
      if (!url) return `<p style="margin:0 0 16px;font-size:16px">${esc(b.label)}</p>`;
      return `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:8px 0 24px"><tr><td style="border-radius:6px;background:${accent}"><a href="${esc(url)}" style="display:inline-block;padding:12px 24px;font-size:16px;font-weight:600;color:${onColour(accent)};text-decoration:none;border-radius:6px">${esc(b.label)}</a></td></tr></table><p style="margin:0 0 16px;font-size:13px;line-height:18px;color:#4b5563;word-break:break-all">${esc(url)}</p>`;
    }
    case 'rows':
      return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin:0 0 16px;border-collapse:collapse">${b.rows
        .map(
          (r) =>
            `<tr><td style="padding:6px 0;border-bottom:1px solid #e5e7eb;font-size:15px;color:#1f2937${r.strong ? ';font-weight:700' : ''}">${esc(r.label)}</td><td align="right" style="padding:6px 0 6px 12px;border-bottom:1px solid #e5e7eb;font-size:15px;color:#1f2937;white-space:nowrap${r.strong ? ';font-weight:700' : ''}">${esc(r.value)}</td></tr>`,
        )
        .join('')}</table>`;
  }
}

function blockText(b: MailBlock): string {
  switch (b.kind) {
    case 'text':
    case 'note':
      return b.text;
    case 'button':
      return `${b.label}:\n${b.url}`;
    case 'rows': {
      const width = Math.min(40, Math.max(...b.rows.map((r) => r.label.length)));
      return b.rows.map((r) => `${r.label.padEnd(width)}  ${r.value}`).join('\n');
    }
  }
}

/** The HTML and plain-text parts of one mail. */
export function renderMail(brand: MailBrand, content: MailContent): { html: string; text: string } {
  const accent = colour(brand.accentColor);
  const logo = brand.logoUrl ? safeUrl(brand.logoUrl) : null;
  const home = brand.homeUrl ? safeUrl(brand.homeUrl) : null;
  const footerLink = content.footerLink ? safeUrl(content.footerLink.url) && { url: content.footerLink.url } : null;
  const mark = logo
    ? `<img src="${esc(logo)}" alt="${esc(brand.name)}" height="40" style="display:block;height:40px;max-width:200px;border:0">`
    : `<span style="font-size:20px;font-weight:700;color:#111827">${esc(brand.name)}</span>`;
  const header = home ? `<a href="${esc(home)}" style="text-decoration:none">${mark}</a>` : mark;
  const html = `<!doctype html><html lang="${esc(brand.lang ?? 'en')}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light"><title>${esc(content.heading)}</title></head><body style="margin:0;padding:0;background:#f3f4f6;font-family:${FONT}">${
    content.preheader ? `<div style="display:none;max-height:0;overflow:hidden;opacity:0;color:transparent">${esc(content.preheader)}</div>` : ''
  }<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6"><tr><td align="center" style="padding:24px 12px"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;border-top:4px solid ${accent}"><tr><td style="padding:24px 32px 8px">${header}</td></tr><tr><td style="padding:8px 32px 16px"><h1 style="margin:0 0 16px;font-size:22px;line-height:30px;color:#111827">${esc(content.heading)}</h1>${content.blocks
    .map((b) => blockHtml(b, accent))
    .join(
      '',
    )}</td></tr></table><table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px"><tr><td style="padding:16px 32px;font-size:12px;line-height:18px;color:#4b5563;text-align:center">${esc(brand.name)}${content.footer ? `<br>${esc(content.footer)}` : ''}${footerLink ? `<br><a href="${esc(footerLink.url)}" style="color:#4b5563">${esc(content.footerLink?.label ?? '')}</a>` : ''}</td></tr></table></td></tr></table></body></html>`;
  const text = [
    content.heading,
    '',
    ...content.blocks.flatMap((b) => [blockText(b), '']),
    '—',
    brand.name,
    ...(home ? [home] : []),
    ...(content.footer ? [content.footer] : []),
    ...(footerLink ? [`${content.footerLink?.label}: ${footerLink.url}`] : []),
  ].join('\n');
  return { html, text: `${text}\n` };
}
