/** readCookie gives what hono's cookie parse gives for one name, on ordinary and on malformed Cookie headers. */
import { parse } from 'hono/utils/cookie';
import { describe, expect, it } from 'vitest';
import { readCookie } from '../src/cookie.ts';

const NAME = 'storeloom_session';
const hono = (header: string) => (header.indexOf(NAME) === -1 ? undefined : parse(header, NAME)[NAME]);

describe('readCookie', () => {
  it('reads the session cookie among others', () => {
    expect(readCookie('storeloom_session=abc', NAME)).toBe('abc');
    expect(readCookie('theme=dark; storeloom_session=abc.def; lang=en', NAME)).toBe('abc.def');
    expect(readCookie(' storeloom_session = "abc" ;x=1', NAME)).toBe('abc');
    expect(readCookie('xstoreloom_session=1; storeloom_sessionx=2', NAME)).toBeUndefined();
    expect(readCookie('a=storeloom_session=1; storeloom_session=%41b', NAME)).toBe('Ab');
    expect(readCookie(undefined, NAME)).toBeUndefined();
    expect(readCookie('', NAME)).toBeUndefined();
  });

  it('agrees with hono on random headers', () => {
    const parts = [NAME, NAME, '=', '=', ';', '; ', ' ', '\t', '"', 'abc', '%41', '%E0%A4', '%', 'x', ',', '\\', `${NAME}x`, `x${NAME}`, 'é', '\u0001'];
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    for (let n = 0; n < 50_000; n++) {
      let header = '';
      const length = 1 + Math.floor(random() * 12);
      for (let i = 0; i < length; i++) header += parts[Math.floor(random() * parts.length)];
      expect(readCookie(header, NAME), JSON.stringify(header)).toBe(hono(header));
    }
  });
});
