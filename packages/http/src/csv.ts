/**
 * The one rule for every CSV the platform writes (product export, store archive CSVs, the console's CSV downloads):
 * a cell a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) is written with a leading
 * `'`, which spreadsheets show as text. To keep export → import round trips exact, a cell that already starts with
 * `'` and then such a character gets one more `'`, and `readCsvCell` removes exactly one. No imports: the console
 * bundles this file too (`@storeloom/http/csv`).
 */
const FORMULA = /^'*[=+\-@\t\r]/;

/** The cell's text as written: neutralised (see above), then RFC 4180-quoted when it needs quotes. */
export function csvCell(value: unknown): string {
  let s =
    value === null || value === undefined ? '' : Array.isArray(value) ? value.join(', ') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  // Numbers stay numbers (-2 is a value, not a formula); any text that could start a formula is neutralised.
  if (typeof value !== 'number' && typeof value !== 'bigint' && FORMULA.test(s)) s = `'${s}`;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A parsed cell as the merchant meant it: undoes csvCell's neutralising prefix (one `'` before a formula character). */
export function readCsvCell(value: string): string {
  return /^'+[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
}

/** Rows to CSV text, CRLF line ends (RFC 4180). */
export function toCsv(rows: readonly (readonly unknown[])[]): string {
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
