/** Shared by the sign-in, account and invitation routes: rate-limit a key, and start a session (rotating any old one). */
import { AppError, ErrorCode } from '@storeloom/errors';
import { clientIp } from '@storeloom/http';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv } from './context.ts';
import { kickMailDelivery } from './mail.ts';

export async function limit(c: Context<AppEnv>, key: string, max: number, windowSeconds: number) {
  const r = await c.var.services.rateLimiter.hit(key, max, windowSeconds);
  if (!r.allowed) throw new AppError(ErrorCode.RateLimited, 'Too many attempts; try again later', { headers: { 'Retry-After': String(r.retryAfterSeconds) } });
}

export async function startSession(c: Context<AppEnv>, userId: string) {
  const { sessions, config } = c.var.services;
  // Rotation: whatever session the browser had is ended before a new one starts (no fixation).
  const old = getCookie(c, 'storeloom_session');
  if (old) {
    const v = await sessions.validate(old);
    if (v) await sessions.invalidate(v.sessionId);
  }
  const meta = { ip: clientIp(c, config.trustProxy), userAgent: c.req.header('user-agent') ?? null };
  const { token, expiresAt } = await sessions.create(userId, meta);
  c.header('Set-Cookie', sessions.cookie(token, expiresAt), { append: true });
  const user = await c.var.services.users.get(userId);
  if (user && (await c.var.services.signInNotices.signedIn(user, meta))) kickMailDelivery(c);
}
