/**
 * Merchant-supplied synonyms, in the usual rule syntax:
 *
 * - `"tv, television, telly"`: two-way, every phrase matches all the others;
 * - `"iphone => smartphone, phone"`: one-way, a query for the left side also
 *   matches the right side (not the reverse).
 *
 * Phrases may have several words. Rules are analysed with the index's
 * analyzer, so "Cell-Phones" and "cell phone" are the same key.
 */

import type { Analyzer } from '../analysis/analyzer.ts';

export type SynonymRule = string | { readonly from: readonly string[]; readonly to: readonly string[] };

export interface SynonymExpansion {
  /** Number of query words the matched left side covers. */
  readonly span: number;
  /** Replacement term sequences (each a phrase of index terms). */
  readonly alternatives: readonly (readonly string[])[];
}

export class SynonymMap {
  private readonly map = new Map<string, (readonly string[])[]>();
  private maxSpan = 0;

  constructor(
    private readonly analyzer: Analyzer,
    rules: readonly SynonymRule[] = [],
  ) {
    for (const r of rules) this.addRule(r);
  }

  get size(): number {
    return this.map.size;
  }

  private phrase(text: string): string[] {
    return this.analyzer.analyze(text).groups.map((g) => this.analyzer.term(g.text));
  }

  addRule(rule: SynonymRule): void {
    let from: string[];
    let to: string[];
    if (typeof rule === 'string') {
      const arrow = rule.indexOf('=>');
      if (arrow >= 0) {
        from = rule.slice(0, arrow).split(',');
        to = rule.slice(arrow + 2).split(',');
      } else {
        from = rule.split(',');
        to = from;
      }
    } else {
      from = [...rule.from];
      to = [...rule.to];
    }
    const lhs = from.map((p) => this.phrase(p)).filter((p) => p.length > 0);
    const rhs = to.map((p) => this.phrase(p)).filter((p) => p.length > 0);
    for (const l of lhs) {
      const key = l.join(' ');
      let list = this.map.get(key);
      if (!list) {
        list = [];
        this.map.set(key, list);
      }
      for (const r of rhs) {
        const rk = r.join(' ');
        if (rk === key || list.some((x) => x.join(' ') === rk)) continue;
        list.push(r);
      }
      if (list.length === 0) this.map.delete(key);
      else this.maxSpan = Math.max(this.maxSpan, l.length);
    }
  }

  /** Expansions whose left side starts at `terms[start]`, longest first. */
  match(terms: readonly string[], start: number): SynonymExpansion[] {
    const out: SynonymExpansion[] = [];
    for (let span = Math.min(this.maxSpan, terms.length - start); span >= 1; span--) {
      const key = terms.slice(start, start + span).join(' ');
      const alts = this.map.get(key);
      if (alts) out.push({ span, alternatives: alts });
    }
    return out;
  }
}
