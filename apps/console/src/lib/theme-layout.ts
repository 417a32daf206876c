/**
 * The theme editor's layout model (pure, no Solid): the shapes of the theme API, edits that return a new layout
 * (add/remove/move/disable sections and blocks, set a setting) and an undo history.
 */

export type SettingType = 'text' | 'textarea' | 'richtext' | 'image' | 'color' | 'select' | 'range' | 'checkbox' | 'collection' | 'product' | 'url';
export type SettingValue = string | number | boolean | null;
export interface SettingField {
  id: string;
  type: SettingType;
  label: string;
  default?: SettingValue | undefined;
  options?: { value: string; label: string }[] | undefined;
  min?: number | undefined;
  max?: number | undefined;
  step?: number | undefined;
}
export interface BlockSchema {
  type: string;
  name: string;
  settings: SettingField[];
}
export interface SectionSchema {
  type: string;
  name: string;
  settings: SettingField[];
  blocks: BlockSchema[];
  maxBlocks: number;
  /** Templates the section may be placed on (absent: all). */
  templates?: string[] | undefined;
}
export interface LayoutBlock {
  id: string;
  type: string;
  settings: Record<string, SettingValue>;
}
export interface LayoutSection {
  id: string;
  type: string;
  disabled?: boolean | undefined;
  settings: Record<string, SettingValue>;
  blocks: LayoutBlock[];
}
export interface Layout {
  sections: LayoutSection[];
}
export const TEMPLATES = ['home', 'collection', 'product', 'page'] as const;
export type Template = (typeof TEMPLATES)[number];

const clone = (l: Layout): Layout => structuredClone(l);

/** A new id for a section or block: its type plus a short random suffix, unique in `taken`. */
export function newId(type: string, taken: Iterable<string>, random: () => number = Math.random): string {
  const used = new Set(taken);
  const base = type.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 48) || 'item';
  for (;;) {
    const id = `${base}-${Math.floor(random() * 36 ** 4)
      .toString(36)
      .padStart(4, '0')}`;
    if (!used.has(id)) return id;
  }
}

/** Settings of a new section or block: every field's default. */
export const defaults = (fields: SettingField[]): Record<string, SettingValue> => {
  const out: Record<string, SettingValue> = {};
  for (const f of fields) if (f.default !== undefined) out[f.id] = f.default;
  return out;
};

export function addSection(l: Layout, schema: SectionSchema, random?: () => number): { layout: Layout; id: string } {
  const next = clone(l);
  const id = newId(
    schema.type,
    next.sections.map((s) => s.id),
    random,
  );
  const blocks =
    schema.blocks[0] && schema.maxBlocks > 0
      ? [{ id: newId(schema.blocks[0].type, [], random), type: schema.blocks[0].type, settings: defaults(schema.blocks[0].settings) }]
      : [];
  next.sections.push({ id, type: schema.type, settings: defaults(schema.settings), blocks });
  return { layout: next, id };
}

export function removeSection(l: Layout, id: string): Layout {
  return { sections: clone(l).sections.filter((s) => s.id !== id) };
}

/** Moves the item at `from` to `to` (clamped); the same array when nothing moves. */
export function moveItem<T>(list: T[], from: number, to: number): T[] {
  if (from < 0 || from >= list.length) return list;
  const target = Math.max(0, Math.min(list.length - 1, to));
  if (target === from) return list;
  const next = [...list];
  const [it] = next.splice(from, 1);
  next.splice(target, 0, it as T);
  return next;
}

export function moveSection(l: Layout, id: string, to: number): Layout {
  const from = l.sections.findIndex((s) => s.id === id);
  return { sections: moveItem(clone(l).sections, from, to) };
}

export function setSectionDisabled(l: Layout, id: string, disabled: boolean): Layout {
  const next = clone(l);
  const s = next.sections.find((x) => x.id === id);
  if (s) {
    if (disabled) s.disabled = true;
    else delete s.disabled;
  }
  return next;
}

export function addBlock(l: Layout, sectionId: string, block: BlockSchema, random?: () => number): { layout: Layout; id: string } {
  const next = clone(l);
  const s = next.sections.find((x) => x.id === sectionId);
  if (!s) return { layout: next, id: '' };
  const id = newId(
    block.type,
    s.blocks.map((b) => b.id),
    random,
  );
  s.blocks.push({ id, type: block.type, settings: defaults(block.settings) });
  return { layout: next, id };
}

export function removeBlock(l: Layout, sectionId: string, blockId: string): Layout {
  const next = clone(l);
  const s = next.sections.find((x) => x.id === sectionId);
  if (s) s.blocks = s.blocks.filter((b) => b.id !== blockId);
  return next;
}

export function moveBlock(l: Layout, sectionId: string, blockId: string, to: number): Layout {
  const next = clone(l);
  const s = next.sections.find((x) => x.id === sectionId);
  if (s)
    s.blocks = moveItem(
      s.blocks,
      s.blocks.findIndex((b) => b.id === blockId),
      to,
    );
  return next;
}

/** Sets one setting of a section (`blockId` absent) or of one of its blocks. */
export function setSetting(l: Layout, sectionId: string, blockId: string | null, key: string, value: SettingValue): Layout {
  const next = clone(l);
  const s = next.sections.find((x) => x.id === sectionId);
  const target = blockId ? s?.blocks.find((b) => b.id === blockId) : s;
  if (target) target.settings[key] = value;
  return next;
}

/**
 * Undo history: the layouts before each edit, newest last. Edits with the same `coalesceKey` in a row (typing
 * into one field) make one step, so Ctrl+Z undoes a word's worth of typing rather than one letter.
 */
export class History {
  private past: { layout: Layout; key: string | null }[] = [];
  constructor(private readonly limit = 100) {}

  record(before: Layout, coalesceKey: string | null = null) {
    const last = this.past[this.past.length - 1];
    if (coalesceKey !== null && last && last.key === coalesceKey) return;
    this.past.push({ layout: clone(before), key: coalesceKey });
    if (this.past.length > this.limit) this.past.shift();
  }

  /** The layout before the last edit, or null when there is none. */
  undo(): Layout | null {
    return this.past.pop()?.layout ?? null;
  }

  /** Ends the current coalescing run (the field lost focus). */
  seal() {
    const last = this.past[this.past.length - 1];
    if (last) last.key = null;
  }

  get size() {
    return this.past.length;
  }

  clear() {
    this.past = [];
  }
}
