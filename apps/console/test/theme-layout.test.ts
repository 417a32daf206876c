import { describe, expect, it } from 'vitest';
import {
  addBlock,
  addSection,
  History,
  type Layout,
  moveBlock,
  moveItem,
  moveSection,
  removeBlock,
  removeSection,
  type SectionSchema,
  setSectionDisabled,
  setSetting,
} from '../src/lib/theme-layout.ts';

const hero: SectionSchema = {
  type: 'hero-banner',
  name: 'Hero banner',
  settings: [
    { id: 'heading', type: 'text', label: 'Heading', default: 'Welcome' },
    { id: 'image', type: 'image', label: 'Image', default: null },
  ],
  blocks: [],
  maxBlocks: 0,
};
const faq: SectionSchema = {
  type: 'faq',
  name: 'FAQ',
  settings: [{ id: 'heading', type: 'text', label: 'Heading', default: '' }],
  blocks: [{ type: 'question', name: 'Question', settings: [{ id: 'question', type: 'text', label: 'Question', default: '' }] }],
  maxBlocks: 12,
};
let n = 0;
const seq = () => (n++ % 1000) / 1000;

describe('theme layout edits', () => {
  it('adds sections with their defaults and a first block, with unique ids', () => {
    let l: Layout = { sections: [] };
    const a = addSection(l, hero, seq);
    l = a.layout;
    const b = addSection(l, faq, seq);
    l = b.layout;
    expect(l.sections.map((s) => s.type)).toEqual(['hero-banner', 'faq']);
    expect(l.sections[0]?.settings).toEqual({ heading: 'Welcome', image: null });
    expect(l.sections[1]?.blocks).toHaveLength(1);
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^hero-banner-[0-9a-z]{4}$/);
  });

  it('moves, disables and removes sections without touching the input', () => {
    const l: Layout = {
      sections: [
        { id: 'a', type: 'hero-banner', settings: {}, blocks: [] },
        { id: 'b', type: 'faq', settings: {}, blocks: [] },
        { id: 'c', type: 'faq', settings: {}, blocks: [] },
      ],
    };
    const frozen = JSON.stringify(l);
    expect(moveSection(l, 'c', 0).sections.map((s) => s.id)).toEqual(['c', 'a', 'b']);
    expect(moveSection(l, 'a', 99).sections.map((s) => s.id)).toEqual(['b', 'c', 'a']);
    expect(setSectionDisabled(l, 'b', true).sections[1]?.disabled).toBe(true);
    expect('disabled' in (setSectionDisabled(setSectionDisabled(l, 'b', true), 'b', false).sections[1] ?? {})).toBe(false);
    expect(removeSection(l, 'b').sections.map((s) => s.id)).toEqual(['a', 'c']);
    expect(JSON.stringify(l)).toBe(frozen);
    expect(moveItem([1, 2, 3], 5, 0)).toEqual([1, 2, 3]);
  });

  it('adds, moves, removes blocks and sets settings of sections and blocks', () => {
    let l: Layout = { sections: [{ id: 'f', type: 'faq', settings: {}, blocks: [{ id: 'q1', type: 'question', settings: {} }] }] };
    const r = addBlock(l, 'f', faq.blocks[0] as SectionSchema['blocks'][number], seq);
    l = r.layout;
    expect(l.sections[0]?.blocks.map((b) => b.id)).toEqual(['q1', r.id]);
    l = moveBlock(l, 'f', r.id, 0);
    expect(l.sections[0]?.blocks[0]?.id).toBe(r.id);
    l = setSetting(l, 'f', r.id, 'question', 'Do you ship abroad?');
    l = setSetting(l, 'f', null, 'heading', 'Questions');
    expect(l.sections[0]?.blocks[0]?.settings).toEqual({ question: 'Do you ship abroad?' });
    expect(l.sections[0]?.settings).toEqual({ heading: 'Questions' });
    expect(removeBlock(l, 'f', 'q1').sections[0]?.blocks.map((b) => b.id)).toEqual([r.id]);
  });

  it('undoes step by step, and typing into one field is one step', () => {
    const h = new History();
    const l0: Layout = { sections: [] };
    const l1 = addSection(l0, hero, seq).layout;
    h.record(l0);
    const id = l1.sections[0]?.id as string;
    h.record(l1, `${id}/heading`);
    const l2 = setSetting(l1, id, null, 'heading', 'H');
    h.record(l2, `${id}/heading`);
    h.seal();
    const l3 = setSetting(l2, id, null, 'heading', 'Hi');
    h.record(l3, `${id}/heading`);
    expect(h.size).toBe(3);
    expect(h.undo()).toEqual(l3);
    expect(h.undo()).toEqual(l1);
    expect(h.undo()).toEqual(l0);
    expect(h.undo()).toBeNull();
  });
});
