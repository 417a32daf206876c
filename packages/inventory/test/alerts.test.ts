import { describe, expect, it } from 'vitest';
import { shouldAlertLowStock } from '../src/alerts.ts';

describe('shouldAlertLowStock', () => {
  it('fires on a downward crossing of the reorder point, including landing on it', () => {
    expect(shouldAlertLowStock(15, 10, 12)).toBe(true);
    expect(shouldAlertLowStock(13, 12, 12)).toBe(true);
  });
  it('stays quiet while stock stays below, above, or goes back up', () => {
    expect(shouldAlertLowStock(11, 10, 12)).toBe(false);
    expect(shouldAlertLowStock(12, 12, 12)).toBe(false);
    expect(shouldAlertLowStock(20, 13, 12)).toBe(false);
    expect(shouldAlertLowStock(10, 15, 12)).toBe(false);
  });
  it('fires again after a replenishment above the reorder point', () => {
    const levels = [20, 11, 9, 30, 12, 5];
    const alerts = levels.slice(1).map((next, i) => shouldAlertLowStock(levels[i], next, 12));
    expect(alerts).toEqual([true, false, false, true, false]);
  });
  it('treats an unknown previous level as above', () => {
    expect(shouldAlertLowStock(null, 5, 12)).toBe(true);
    expect(shouldAlertLowStock(undefined, 20, 12)).toBe(false);
  });
  it('ignores non-finite input', () => {
    expect(shouldAlertLowStock(15, Number.NaN, 12)).toBe(false);
    expect(shouldAlertLowStock(15, 10, Number.NaN)).toBe(false);
  });
});
