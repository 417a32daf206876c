/** Job rows on the Jobs page: the attempt line of a ledger row and of a dead letter, from their own counts. */
import { type Locale, translate } from '../i18n/messages.ts';

/** "Attempt 2 of 3": the try a job is on (or ended on) out of all it is allowed. */
export function attemptsLine(locale: Locale, attempt: number, max: number): string {
  return translate(locale, 'jobs.attempts', { attempt, max: Math.max(max, 1) });
}

/** The attempt line of a dead letter: attempts it made out of the attempts it had (its job options, not its count made). */
export function deadLetterAttempts(locale: Locale, d: { attemptsMade: number; maxAttempts: number }): string {
  return attemptsLine(locale, d.attemptsMade, d.maxAttempts);
}
