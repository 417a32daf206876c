import { describe, expect, it } from 'vitest';
import { attemptsLine, deadLetterAttempts } from '../src/lib/jobs.ts';

describe('jobs page attempt lines', () => {
  it('shows a dead letter as the attempts it made out of the attempts it had', () => {
    expect(deadLetterAttempts('en', { attemptsMade: 1, maxAttempts: 3 })).toBe('Attempt 1 of 3');
    expect(deadLetterAttempts('en', { attemptsMade: 3, maxAttempts: 3 })).toBe('Attempt 3 of 3');
    expect(deadLetterAttempts('zh-CN', { attemptsMade: 2, maxAttempts: 5 })).toBe('第 2 次尝试，共 5 次');
  });

  it('never shows fewer allowed attempts than one', () => {
    expect(attemptsLine('en', 1, 0)).toBe('Attempt 1 of 1');
  });
});
