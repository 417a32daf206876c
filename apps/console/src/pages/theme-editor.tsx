/**
 * Theme editor (issue 20): a template (home, collection, product, page) is a list of sections with settings and
 * ordered blocks from the theme's section registry. The merchant adds, removes, reorders (drag, or the move buttons,
 * announced) and disables sections and blocks, edits settings in a side panel generated from the registry's field
 * types, and sees the real storefront render the draft in an iframe at desktop or phone width. Every edit is kept in
 * memory for undo (Ctrl+Z) and saved as the draft after a pause (with the draft's version: an edit made elsewhere
 * meanwhile reloads the draft and says so); shoppers see it only after Publish; published versions can be restored.
 */
import '../online-store.css';
import { createEffect, createMemo, createResource, createSignal, For, type JSX, Match, on, onCleanup, Show, Switch } from 'solid-js';
import { Icon } from '../components/icons.tsx';
import { CollectionPicker } from '../components/collection-picker.tsx';
import { ImagePicker } from '../components/image-picker.tsx';
import { ProductPicker } from '../components/product-picker.tsx';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Field, Modal, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, type MessageKey, t } from '../i18n/index.ts';
import { ApiError, api, type Schemas } from '../lib/api.ts';
import { AA_NORMAL, contrastRatio } from '../lib/contrast.ts';
import { formatDateTime } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';
import {
  addBlock,
  addSection,
  History,
  type Layout,
  type LayoutSection,
  moveBlock,
  moveSection,
  removeBlock,
  removeSection,
  type SectionSchema,
  type SettingField,
  type SettingValue,
  setSectionDisabled,
  setSetting,
  TEMPLATES,
  type Template,
} from '../lib/theme-layout.ts';
import { type ThemeSettingsHandle, ThemeSettingsPanel } from './theme-settings-panel.tsx';

type TemplateView = Schemas['ThemeTemplate'];
type VersionRow = Schemas['ThemeVersionList']['versions'][number];

const AUTOSAVE_MS = 800;
/** The desktop preview renders the storefront at this width (its desktop layout) and scales it down to fit the stage. */
const DESKTOP_WIDTH = 1280;
type SaveState = 'saved' | 'dirty' | 'saving' | 'error';
type Selection = { sectionId: string; blockId: string | null } | null;

export default function ThemeEditorPage() {
  const s = useStore();
  const [template, setTemplate] = createSignal<Template>('home');
  const [registry] = createResource(
    () => s.storeId(),
    (storeId) => api.GET('/stores/{storeId}/theme/sections', { params: { path: { storeId } } }) as Promise<{ sections: SectionSchema[] }>,
  );
  const [layout, setLayout] = createSignal<Layout>({ sections: [] });
  const [version, setVersion] = createSignal(0);
  const [meta, setMeta] = createSignal<Pick<TemplateView, 'draftUpdatedAt' | 'publishedAt'>>({ draftUpdatedAt: null, publishedAt: null });
  const [saveState, setSaveState] = createSignal<SaveState>('saved');
  const [problems, setProblems] = createSignal<{ path: string; message: string }[]>([]);
  const [selected, setSelected] = createSignal<Selection>(null);
  const [announce, setAnnounce] = createSignal('');
  const [device, setDevice] = createSignal<'desktop' | 'phone'>('desktop');
  const [previewUrl, setPreviewUrl] = createSignal<string | null>(null);
  const [previewNonce, setPreviewNonce] = createSignal(0);
  const [versionsOpen, setVersionsOpen] = createSignal(false);
  const [publishing, setPublishing] = createSignal(false);
  const [undoCount, setUndoCount] = createSignal(0);
  const history = new History();
  const [stageWidth, setStageWidth] = createSignal(0);
  const observeStage = (el: HTMLDivElement) => {
    const ro = new ResizeObserver((entries) => setStageWidth(entries[0]?.contentRect.width ?? 0));
    ro.observe(el);
    onCleanup(() => ro.disconnect());
  };
  /** Desktop: a 1280 px page scaled to the stage (1 when the stage is wider); the frame's box keeps the stage's size. */
  const desktopScale = () => (stageWidth() > 0 && stageWidth() < DESKTOP_WIDTH ? stageWidth() / DESKTOP_WIDTH : 1);
  const frameStyle = (): JSX.CSSProperties | undefined =>
    device() === 'desktop'
      ? { width: `${DESKTOP_WIDTH}px`, height: `calc(75vh / ${desktopScale()})`, transform: `scale(${desktopScale()})`, 'transform-origin': '0 0' }
      : undefined;
  let themeSettings: ThemeSettingsHandle | undefined;
  const [theme] = createResource(
    () => s.storeId(),
    async (storeId) => (await api.GET('/stores/{storeId}/settings', { params: { path: { storeId } } })).theme,
  );

  const schemaOf = (type: string) => registry()?.sections.find((x) => x.type === type);
  const nameOf = (sec: LayoutSection) => schemaOf(sec.type)?.name ?? sec.type;
  const labelOf = (sec: LayoutSection) => {
    const h = sec.settings.heading ?? sec.settings.title;
    return typeof h === 'string' && h.trim() ? h.trim() : null;
  };

  // ---- Loading a template ----
  const loadTemplate = async (tpl: Template) => {
    const view = await api.GET('/stores/{storeId}/theme/templates/{template}', { params: { path: { storeId: s.storeId(), template: tpl } } });
    setLayout(view.draft);
    setVersion(view.version);
    setMeta({ draftUpdatedAt: view.draftUpdatedAt, publishedAt: view.publishedAt });
    setSaveState('saved');
    setProblems([]);
    history.clear();
    setUndoCount(0);
    setSelected(null);
    return view;
  };
  const [view] = createResource(() => (s.storeId() ? template() : null), loadTemplate);

  /** A store path the template renders on: the home page, or the first collection/product/page. */
  const samplePath = async (tpl: Template): Promise<string> => {
    const storeId = s.storeId();
    try {
      if (tpl === 'collection') {
        const c = (await api.GET('/stores/{storeId}/collections', { params: { path: { storeId }, query: { limit: 1 } } })).data[0];
        return c ? `/collections/${c.handle}` : '/';
      }
      if (tpl === 'product') {
        const p = (await api.GET('/stores/{storeId}/products', { params: { path: { storeId }, query: { limit: 1, status: 'active' } } })).data[0];
        return p ? `/products/${p.handle}` : '/';
      }
      if (tpl === 'page') {
        const p = (await api.GET('/stores/{storeId}/pages', { params: { path: { storeId } } })).data[0];
        return p ? `/pages/${p.handle}` : '/';
      }
    } catch {
      // the home page still previews
    }
    return '/';
  };
  createEffect(
    on(template, async (tpl) => {
      setPreviewUrl(null);
      try {
        const path = await samplePath(tpl);
        const r = await api.POST('/stores/{storeId}/theme/preview', { params: { path: { storeId: s.storeId() } }, body: { path } });
        if (template() === tpl) setPreviewUrl(r.url);
      } catch (err) {
        toast.error((err as Error).message);
      }
    }),
  );
  const frameSrc = () => {
    const u = previewUrl();
    if (!u) return undefined;
    const url = new URL(u);
    url.searchParams.set('_r', String(previewNonce()));
    return url.toString();
  };

  // ---- Editing, undo, autosave ----
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | null = null;
  onCleanup(() => clearTimeout(timer));
  const edit = (next: Layout, coalesceKey: string | null = null) => {
    history.record(layout(), coalesceKey);
    setUndoCount(history.size);
    setLayout(next);
    scheduleSave();
  };
  const scheduleSave = () => {
    setSaveState('dirty');
    clearTimeout(timer);
    timer = setTimeout(() => void save(), AUTOSAVE_MS);
  };
  const save = async (): Promise<void> => {
    clearTimeout(timer);
    if (inFlight) {
      await inFlight;
      if (saveState() !== 'dirty') return;
    }
    const tpl = template();
    const sent = layout();
    setSaveState('saving');
    inFlight = (async () => {
      try {
        const r = await api.PUT('/stores/{storeId}/theme/templates/{template}/draft', {
          params: { path: { storeId: s.storeId(), template: tpl } },
          body: { layout: sent, expectedVersion: version() },
        });
        if (tpl !== template()) return;
        setVersion(r.version);
        setMeta({ draftUpdatedAt: r.draftUpdatedAt, publishedAt: r.publishedAt });
        setProblems([]);
        setSaveState(layout() === sent ? 'saved' : 'dirty');
        setPreviewNonce((n) => n + 1);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'version_conflict') {
          await loadTemplate(tpl);
          toast.error(t('theme.conflict'));
          setAnnounce(t('theme.conflict'));
          setPreviewNonce((n) => n + 1);
          return;
        }
        setSaveState('error');
        if (err instanceof ApiError && err.code === 'layout_invalid' && Array.isArray(err.details))
          setProblems(err.details as { path: string; message: string }[]);
        else toast.error((err as Error).message);
      }
    })();
    await inFlight;
    inFlight = null;
    if (saveState() === 'dirty') scheduleSave();
  };
  const undo = () => {
    const prev = history.undo();
    setUndoCount(history.size);
    if (!prev) return;
    setLayout(prev);
    const sel = selected();
    if (sel && !prev.sections.some((x) => x.id === sel.sectionId)) setSelected(null);
    setAnnounce(t('theme.undone'));
    scheduleSave();
  };
  const onKey = (e: KeyboardEvent) => {
    if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== 'z' || e.shiftKey) return;
    const el = e.target as HTMLElement | null;
    // Text fields keep the browser's own undo of typing.
    if (el && (el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && /^(text|search|url|email|number|)$/.test((el as HTMLInputElement).type)))) return;
    e.preventDefault();
    undo();
  };
  document.addEventListener('keydown', onKey);
  onCleanup(() => document.removeEventListener('keydown', onKey));

  const flushAndPublish = async () => {
    setPublishing(true);
    try {
      if (saveState() === 'dirty' || saveState() === 'saving') await save();
      if (saveState() === 'error') return;
      const r = await api.POST('/stores/{storeId}/theme/templates/{template}/publish', { params: { path: { storeId: s.storeId(), template: template() } } });
      setMeta({ draftUpdatedAt: r.draftUpdatedAt, publishedAt: r.publishedAt });
      if (typeof r.version === 'number') setVersion(r.version);
      // One Publish for what the merchant sees in the preview: the template and the theme settings.
      await themeSettings?.flushAndPublish();
      toast.success(t('theme.published'));
      setAnnounce(t('theme.published'));
    } catch (err) {
      toast.error((err as Error).message);
    } finally {
      setPublishing(false);
    }
  };

  // ---- Section and block operations (each announced for screen readers) ----
  const sections = () => layout().sections;
  const [addType, setAddType] = createSignal('');
  const addable = createMemo(() =>
    (registry()?.sections ?? []).filter(
      (x) => (!x.templates || x.templates.includes(template())) && !(x.type === 'main' && sections().some((sec) => sec.type === 'main')),
    ),
  );
  const doAddSection = () => {
    const schema = schemaOf(addType() || addable()[0]?.type || '');
    if (!schema) return;
    const r = addSection(layout(), schema);
    edit(r.layout);
    setSelected({ sectionId: r.id, blockId: null });
    setAnnounce(t('theme.sectionAdded', { name: schema.name }));
  };
  const focusRow = (selector: string) => queueMicrotask(() => document.querySelector<HTMLElement>(selector)?.focus());
  const doMoveSection = (sec: LayoutSection, to: number, viaButton?: 'up' | 'down') => {
    const next = moveSection(layout(), sec.id, to);
    if (next.sections.findIndex((x) => x.id === sec.id) === sections().findIndex((x) => x.id === sec.id)) return;
    edit(next);
    setAnnounce(t('theme.moved', { name: nameOf(sec), position: next.sections.findIndex((x) => x.id === sec.id) + 1, last: next.sections.length }));
    if (viaButton) focusRow(`[data-section="${sec.id}"] [data-move="${viaButton}"]:not([disabled]), [data-section="${sec.id}"] .section-name`);
  };
  const doRemoveSection = (sec: LayoutSection) => {
    edit(removeSection(layout(), sec.id));
    if (selected()?.sectionId === sec.id) setSelected(null);
    setAnnounce(t('theme.sectionRemoved', { name: nameOf(sec) }));
  };
  const doToggle = (sec: LayoutSection) => {
    edit(setSectionDisabled(layout(), sec.id, !sec.disabled));
    setAnnounce(t(sec.disabled ? 'theme.sectionShown' : 'theme.sectionHidden', { name: nameOf(sec) }));
  };
  const doAddBlock = (sec: LayoutSection, type: string) => {
    const b = schemaOf(sec.type)?.blocks.find((x) => x.type === type);
    if (!b) return;
    const r = addBlock(layout(), sec.id, b);
    edit(r.layout);
    setSelected({ sectionId: sec.id, blockId: r.id });
    setAnnounce(t('theme.blockAdded', { name: b.name }));
  };
  const blockName = (sec: LayoutSection, type: string) => schemaOf(sec.type)?.blocks.find((b) => b.type === type)?.name ?? type;

  let dragSection: string | null = null;
  let dragBlock: { sectionId: string; blockId: string } | null = null;

  const sel = createMemo(() => {
    const x = selected();
    if (!x) return null;
    const sec = sections().find((y) => y.id === x.sectionId);
    if (!sec) return null;
    const schema = schemaOf(sec.type);
    if (!x.blockId) return { sec, block: null, fields: schema?.settings ?? [], values: sec.settings, title: nameOf(sec) };
    const block = sec.blocks.find((b) => b.id === x.blockId);
    if (!block) return null;
    const bs = schema?.blocks.find((b) => b.type === block.type);
    return { sec, block, fields: bs?.settings ?? [], values: block.settings, title: `${nameOf(sec)} › ${bs?.name ?? block.type}` };
  });
  const problemAt = (sectionIndex: number, rest: string) => problems().find((p) => p.path === `sections[${sectionIndex}]${rest}`)?.message;

  const saveLabel = () =>
    ({ saved: t('theme.stateSaved'), dirty: t('theme.stateDirty'), saving: t('theme.stateSaving'), error: t('theme.stateError') })[saveState()];

  return (
    <div class="page theme-editor-page">
      <PageHeader
        title={t('theme.title')}
        subtitle={t('theme.subtitle')}
        actions={
          <>
            <span class="save-state" classList={{ 'save-error': saveState() === 'error' }} role="status" data-testid="save-state">
              {saveLabel()}
            </span>
            <button type="button" class="button" onClick={undo} disabled={undoCount() === 0} aria-keyshortcuts="Control+Z">
              {t('theme.undo')}
            </button>
            <button type="button" class="button" onClick={() => setVersionsOpen(true)}>
              {t('theme.versions')}
            </button>
            <button type="button" class="button primary" onClick={() => void flushAndPublish()} disabled={publishing() || view.loading}>
              {publishing() ? t('theme.publishing') : t('theme.publish')}
            </button>
          </>
        }
      />
      <Show when={!registry.error && !view.error} fallback={<Banner tone="critical">{((registry.error ?? view.error) as Error)?.message}</Banner>}>
        <div class="theme-editor">
          <aside class="theme-panel theme-structure" aria-label={t('theme.structure')}>
            <Field id="theme-template" label={t('theme.template')}>
              <select id="theme-template" value={template()} onChange={(e) => void save().then(() => setTemplate(e.currentTarget.value as Template))}>
                <For each={[...TEMPLATES]}>{(x) => <option value={x}>{t(`theme.template.${x}` as MessageKey)}</option>}</For>
              </select>
            </Field>
            <button type="button" class="button small theme-settings-open" aria-pressed={selected() === null} onClick={() => setSelected(null)}>
              {t('theme.editThemeSettings')}
            </button>
            <p class="small muted">{t('theme.pickSection')}</p>
            <p class="small muted">
              {meta().publishedAt ? t('theme.lastPublished', { when: formatDateTime(meta().publishedAt ?? '', locale()) }) : t('theme.neverPublished')}
            </p>
            <Show when={problems().length > 0}>
              <Banner tone="critical" title={t('theme.invalid')}>
                <ul class="small">
                  <For each={problems()}>
                    {(p) => (
                      <li>
                        <code>{p.path}</code>: {p.message}
                      </li>
                    )}
                  </For>
                </ul>
              </Banner>
            </Show>
            <Show when={!view.loading || view.latest} fallback={<SkeletonRows rows={5} cols={1} />}>
              <h2 class="panel-title" id="sections-title">
                {t('theme.sections')}
              </h2>
              <ol class="section-list" aria-labelledby="sections-title" data-testid="section-list">
                <For each={sections()}>
                  {(sec, i) => {
                    const schema = () => schemaOf(sec.type);
                    const isSel = () => selected()?.sectionId === sec.id && !selected()?.blockId;
                    return (
                      <li
                        class="section-item"
                        classList={{ selected: isSel(), disabled: !!sec.disabled, invalid: problems().some((p) => p.path.startsWith(`sections[${i()}]`)) }}
                        data-section={sec.id}
                        draggable="true"
                        onDragStart={(e) => {
                          dragSection = sec.id;
                          e.dataTransfer?.setData('text/plain', sec.id);
                        }}
                        onDragOver={(e) => dragSection && e.preventDefault()}
                        onDrop={(e) => {
                          e.preventDefault();
                          const from = sections().find((x) => x.id === dragSection);
                          dragSection = null;
                          if (from) doMoveSection(from, i());
                        }}
                      >
                        <div class="section-row">
                          <span class="drag-handle" aria-hidden="true">
                            <Icon name="drag" size={14} />
                          </span>
                          <button type="button" class="section-name" aria-pressed={isSel()} onClick={() => setSelected({ sectionId: sec.id, blockId: null })}>
                            <span>{nameOf(sec)}</span>
                            <Show when={labelOf(sec)}>
                              <span class="small muted"> · {labelOf(sec)}</span>
                            </Show>
                            <Show when={sec.disabled}>
                              <span class="small muted"> · {t('theme.hiddenTag')}</span>
                            </Show>
                          </button>
                          <div class="row-tools">
                            <button
                              type="button"
                              class="icon-button small"
                              data-move="up"
                              aria-label={t('theme.moveUp', { name: nameOf(sec) })}
                              disabled={i() === 0}
                              onClick={() => doMoveSection(sec, i() - 1, 'up')}
                            >
                              ↑
                            </button>
                            <button
                              type="button"
                              class="icon-button small"
                              data-move="down"
                              aria-label={t('theme.moveDown', { name: nameOf(sec) })}
                              disabled={i() === sections().length - 1}
                              onClick={() => doMoveSection(sec, i() + 1, 'down')}
                            >
                              ↓
                            </button>
                            <button
                              type="button"
                              class="icon-button small"
                              aria-pressed={!!sec.disabled}
                              aria-label={t('theme.hideSection', { name: nameOf(sec) })}
                              onClick={() => doToggle(sec)}
                            >
                              {sec.disabled ? '◌' : '◉'}
                            </button>
                            <Show when={sec.type !== 'main'}>
                              <button
                                type="button"
                                class="icon-button small"
                                aria-label={t('theme.removeSection', { name: nameOf(sec) })}
                                onClick={() => doRemoveSection(sec)}
                              >
                                ×
                              </button>
                            </Show>
                          </div>
                        </div>
                        <Show when={(schema()?.maxBlocks ?? 0) > 0}>
                          <ol class="block-list" aria-label={t('theme.blocksOf', { name: nameOf(sec) })}>
                            <For each={sec.blocks}>
                              {(b, j) => (
                                <li
                                  class="block-item"
                                  classList={{ selected: selected()?.blockId === b.id }}
                                  data-block={b.id}
                                  draggable="true"
                                  onDragStart={(e) => {
                                    e.stopPropagation();
                                    dragBlock = { sectionId: sec.id, blockId: b.id };
                                  }}
                                  onDragOver={(e) => {
                                    if (dragBlock?.sectionId === sec.id) {
                                      e.preventDefault();
                                      e.stopPropagation();
                                    }
                                  }}
                                  onDrop={(e) => {
                                    if (dragBlock?.sectionId !== sec.id) return;
                                    e.preventDefault();
                                    e.stopPropagation();
                                    edit(moveBlock(layout(), sec.id, dragBlock.blockId, j()));
                                    dragBlock = null;
                                  }}
                                >
                                  <button
                                    type="button"
                                    class="section-name"
                                    aria-pressed={selected()?.blockId === b.id}
                                    onClick={() => setSelected({ sectionId: sec.id, blockId: b.id })}
                                  >
                                    {blockName(sec, b.type)}
                                    <Show when={typeof (b.settings.title ?? b.settings.question ?? b.settings.author) === 'string'}>
                                      <span class="small muted"> · {String(b.settings.title ?? b.settings.question ?? b.settings.author).slice(0, 30)}</span>
                                    </Show>
                                  </button>
                                  <div class="row-tools">
                                    <button
                                      type="button"
                                      class="icon-button small"
                                      aria-label={t('theme.moveUp', { name: blockName(sec, b.type) })}
                                      disabled={j() === 0}
                                      onClick={() => {
                                        edit(moveBlock(layout(), sec.id, b.id, j() - 1));
                                        setAnnounce(t('theme.moved', { name: blockName(sec, b.type), position: j() + 1, last: sec.blocks.length }));
                                      }}
                                    >
                                      ↑
                                    </button>
                                    <button
                                      type="button"
                                      class="icon-button small"
                                      aria-label={t('theme.moveDown', { name: blockName(sec, b.type) })}
                                      disabled={j() === sec.blocks.length - 1}
                                      onClick={() => {
                                        edit(moveBlock(layout(), sec.id, b.id, j() + 1));
                                        setAnnounce(t('theme.moved', { name: blockName(sec, b.type), position: j() + 1, last: sec.blocks.length }));
                                      }}
                                    >
                                      ↓
                                    </button>
                                    <button
                                      type="button"
                                      class="icon-button small"
                                      aria-label={t('theme.removeBlock', { name: blockName(sec, b.type) })}
                                      onClick={() => {
                                        edit(removeBlock(layout(), sec.id, b.id));
                                        if (selected()?.blockId === b.id) setSelected({ sectionId: sec.id, blockId: null });
                                        setAnnounce(t('theme.blockRemoved', { name: blockName(sec, b.type) }));
                                      }}
                                    >
                                      ×
                                    </button>
                                  </div>
                                </li>
                              )}
                            </For>
                          </ol>
                          <Show when={sec.blocks.length < (schema()?.maxBlocks ?? 0)}>
                            <For each={schema()?.blocks ?? []}>
                              {(bs) => (
                                <button type="button" class="link-button add-link" onClick={() => doAddBlock(sec, bs.type)}>
                                  <Icon name="plus" size={14} /> {t('theme.addBlock', { name: bs.name })}
                                </button>
                              )}
                            </For>
                          </Show>
                        </Show>
                        <Show when={problemAt(i(), '.type')}>
                          <p class="field-error small">{problemAt(i(), '.type')}</p>
                        </Show>
                      </li>
                    );
                  }}
                </For>
              </ol>
              <div class="add-section">
                <Field id="add-section-type" label={t('theme.addSectionLabel')}>
                  <select id="add-section-type" value={addType()} onChange={(e) => setAddType(e.currentTarget.value)}>
                    <For each={addable()}>{(x) => <option value={x.type}>{x.name}</option>}</For>
                  </select>
                </Field>
                <button type="button" class="button" onClick={doAddSection} disabled={!addable().length}>
                  <Icon name="plus" size={16} /> {t('theme.addSection')}
                </button>
              </div>
            </Show>
          </aside>

          <section class="theme-preview-pane" aria-label={t('theme.preview')}>
            <div class="preview-toolbar">
              <fieldset class="device-toggle">
                <legend class="visually-hidden">{t('theme.previewWidth')}</legend>
                <button type="button" class="button small" aria-pressed={device() === 'desktop'} onClick={() => setDevice('desktop')}>
                  {t('theme.desktop')}
                </button>
                <button type="button" class="button small" aria-pressed={device() === 'phone'} onClick={() => setDevice('phone')}>
                  {t('theme.phone')}
                </button>
              </fieldset>
              <button type="button" class="button small" onClick={() => setPreviewNonce((n) => n + 1)}>
                {t('theme.refresh')}
              </button>
              <Show when={previewUrl()}>
                {(u) => (
                  <a class="button small" href={u()} target="_blank" rel="noopener">
                    <Icon name="external" size={14} /> {t('theme.openPreview')}
                  </a>
                )}
              </Show>
            </div>
            <div class="preview-stage" classList={{ phone: device() === 'phone' }} ref={observeStage}>
              <Show when={frameSrc()} fallback={<SkeletonRows rows={6} cols={1} />}>
                <iframe
                  style={frameStyle()}
                  class="preview-frame"
                  title={t('theme.previewFrame', { template: t(`theme.template.${template()}` as MessageKey) })}
                  src={frameSrc()}
                  data-device={device()}
                  data-testid="preview-frame"
                />
              </Show>
            </div>
          </section>

          <aside class="theme-panel theme-settings" aria-labelledby={sel() ? 'settings-title' : 'theme-settings-title'}>
            <Show
              when={sel()}
              fallback={
                <ThemeSettingsPanel
                  onSaved={() => setPreviewNonce((n) => n + 1)}
                  ref={(h) => {
                    themeSettings = h;
                  }}
                />
              }
            >
              {(x) => (
                <>
                  <h2 class="panel-title" id="settings-title">
                    {x().title}
                  </h2>
                  <Show when={x().fields.length > 0} fallback={<p class="muted small">{t('theme.noSettings')}</p>}>
                    <For each={x().fields}>
                      {(f) => (
                        <SettingInput
                          field={f}
                          idPrefix={`set-${x().sec.id}-${x().block?.id ?? 's'}`}
                          value={x().values[f.id] ?? f.default ?? null}
                          error={problemAt(
                            sections().indexOf(x().sec),
                            x().block ? `.blocks[${x().sec.blocks.indexOf(x().block as never)}].settings.${f.id}` : `.settings.${f.id}`,
                          )}
                          contrastWith={theme()}
                          onChange={(v, typing) =>
                            edit(setSetting(layout(), x().sec.id, x().block?.id ?? null, f.id, v), typing ? `${x().sec.id}/${x().block?.id}/${f.id}` : null)
                          }
                          onCommit={() => history.seal()}
                        />
                      )}
                    </For>
                  </Show>
                </>
              )}
            </Show>
          </aside>
        </div>
      </Show>
      <p class="visually-hidden" aria-live="polite" data-testid="theme-announce">
        {announce()}
      </p>
      <VersionsModal
        open={versionsOpen()}
        template={template()}
        onClose={() => setVersionsOpen(false)}
        onRestored={async () => {
          setVersionsOpen(false);
          await loadTemplate(template());
          setPreviewNonce((n) => n + 1);
          toast.success(t('theme.restored'));
        }}
      />
    </div>
  );
}

function VersionsModal(props: { open: boolean; template: Template; onClose: () => void; onRestored: () => void }) {
  const s = useStore();
  const [versions] = createResource(
    () => (props.open ? { storeId: s.storeId(), template: props.template } : null),
    (q) => api.GET('/stores/{storeId}/theme/templates/{template}/versions', { params: { path: q } }),
  );
  const restore = async (v: VersionRow) => {
    try {
      await api.POST('/stores/{storeId}/theme/templates/{template}/versions/{versionId}/restore', {
        params: { path: { storeId: s.storeId(), template: props.template, versionId: v.id } },
      });
      props.onRestored();
    } catch (err) {
      toast.error((err as Error).message);
    }
  };
  return (
    <Modal open={props.open} title={t('theme.versionsTitle')} onClose={props.onClose}>
      <p class="muted small">{t('theme.versionsHint')}</p>
      <Show when={versions()} fallback={<SkeletonRows rows={3} cols={2} />}>
        {(v) => (
          <Show when={v().versions.length > 0} fallback={<p>{t('theme.noVersions')}</p>}>
            <ul class="version-list">
              <For each={v().versions}>
                {(row, i) => (
                  <li>
                    <span>
                      {formatDateTime(row.publishedAt, locale())}
                      <Show when={i() === 0}>
                        {' '}
                        <Badge value="active" label={t('theme.live')} />
                      </Show>
                    </span>
                    <button type="button" class="button small" onClick={() => void restore(row)}>
                      {t('theme.restore')}
                    </button>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Show>
    </Modal>
  );
}

/** One setting, rendered by its registry type. `typing` edits coalesce into one undo step. */
function SettingInput(props: {
  field: SettingField;
  idPrefix: string;
  value: SettingValue;
  error?: string | undefined;
  contrastWith: { backgroundColor: string; textColor: string } | undefined;
  onChange: (v: SettingValue, typing?: boolean) => void;
  onCommit: () => void;
}): JSX.Element {
  const f = () => props.field;
  const id = () => `${props.idPrefix}-${props.field.id}`;
  const str = () => (typeof props.value === 'string' ? props.value : '');
  // What the image picker says for the chosen image after a pick (a saved or typed URL says "Current image").
  const [imageLabel, setImageLabel] = createSignal<string | undefined>(undefined);
  const aria = () => ({ 'aria-invalid': props.error ? ('true' as const) : undefined, 'aria-describedby': props.error ? `${id()}-error` : undefined });
  return (
    <Switch>
      <Match when={f().type === 'checkbox'}>
        <div class="field">
          <label class="checkbox">
            <input id={id()} type="checkbox" checked={props.value === true} onChange={(e) => props.onChange(e.currentTarget.checked)} />
            <span>{f().label}</span>
          </label>
        </div>
      </Match>
      <Match when={f().type === 'select'}>
        <Field id={id()} label={f().label} error={props.error}>
          <select id={id()} value={str()} onChange={(e) => props.onChange(e.currentTarget.value)} {...aria()}>
            <For each={f().options ?? []}>{(o) => <option value={o.value}>{o.label}</option>}</For>
          </select>
        </Field>
      </Match>
      <Match when={f().type === 'range'}>
        <Field id={id()} label={`${f().label}: ${typeof props.value === 'number' ? props.value : (f().default ?? '')}`} error={props.error}>
          <input
            id={id()}
            type="range"
            min={f().min ?? 0}
            max={f().max ?? 100}
            step={f().step ?? 1}
            value={typeof props.value === 'number' ? props.value : Number(f().default ?? f().min ?? 0)}
            onInput={(e) => props.onChange(Number(e.currentTarget.value), true)}
            onChange={props.onCommit}
            {...aria()}
          />
        </Field>
      </Match>
      <Match when={f().type === 'textarea' || f().type === 'richtext'}>
        <Field id={id()} label={f().label} error={props.error} hint={f().type === 'richtext' ? t('theme.richtextHint') : undefined}>
          <textarea
            id={id()}
            rows={f().type === 'richtext' ? 6 : 3}
            value={str()}
            onInput={(e) => props.onChange(e.currentTarget.value, true)}
            onBlur={props.onCommit}
            {...aria()}
          />
        </Field>
      </Match>
      <Match when={f().type === 'color'}>
        <ColorInput {...props} id={id()} />
      </Match>
      <Match when={f().type === 'image'}>
        <Show when={str()}>
          <img class="setting-image" src={str()} alt="" />
        </Show>
        <ImagePicker
          id={id()}
          label={f().label}
          error={props.error}
          hint={t('theme.imageHint')}
          selected={str() || null}
          selectedLabel={imageLabel()}
          onPick={(i) => {
            setImageLabel(i.alt ? `${i.productTitle} — ${i.alt}` : i.productTitle);
            props.onChange(i.url);
          }}
          onClear={() => props.onChange(null)}
        />
        <Field id={`${id()}-url`} label={t('theme.imageUrl', { label: f().label })}>
          <input
            id={`${id()}-url`}
            type="url"
            value={str()}
            placeholder="https://…"
            onChange={(e) => {
              setImageLabel(undefined);
              props.onChange(e.currentTarget.value.trim() || null);
            }}
          />
        </Field>
      </Match>
      <Match when={f().type === 'collection'}>
        <CollectionSetting id={id()} label={f().label} value={str()} error={props.error} onPick={(v) => props.onChange(v)} />
      </Match>
      <Match when={f().type === 'product'}>
        <ProductSetting id={id()} label={f().label} value={str()} error={props.error} onPick={(v) => props.onChange(v)} />
      </Match>
      <Match when={true}>
        <Field id={id()} label={f().label} error={props.error}>
          <input
            id={id()}
            type={f().type === 'url' ? 'url' : 'text'}
            value={str()}
            onInput={(e) => props.onChange(e.currentTarget.value, true)}
            onBlur={props.onCommit}
            {...aria()}
          />
        </Field>
      </Match>
    </Switch>
  );
}

function ColorInput(props: {
  id: string;
  field: SettingField;
  value: SettingValue;
  error?: string | undefined;
  contrastWith: { backgroundColor: string; textColor: string } | undefined;
  onChange: (v: SettingValue, typing?: boolean) => void;
  onCommit: () => void;
}) {
  const hex = () => (typeof props.value === 'string' && props.value ? props.value : '');
  /** The lower contrast of this colour with the theme's background and text colours (the one it will sit on or under). */
  const worst = () => {
    const c = props.contrastWith;
    if (!c || !hex()) return null;
    const bg = contrastRatio(hex(), c.backgroundColor);
    const fg = contrastRatio(hex(), c.textColor);
    const both = [bg, fg].filter((x): x is number => x !== null);
    return both.length ? Math.max(...both) : null;
  };
  const warn = () => {
    const w = worst();
    return w !== null && w < AA_NORMAL;
  };
  return (
    <Field id={props.id} label={props.field.label} error={props.error}>
      <div class="color-input">
        <input
          id={props.id}
          type="color"
          value={hex() || '#000000'}
          onInput={(e) => props.onChange(e.currentTarget.value, true)}
          onChange={props.onCommit}
          aria-describedby={warn() ? `${props.id}-contrast` : undefined}
        />
        <input
          aria-label={t('theme.hexOf', { label: props.field.label })}
          value={hex()}
          maxLength={7}
          pattern="#[0-9a-fA-F]{6}"
          onChange={(e) => {
            const v = e.currentTarget.value.trim();
            if (/^#[0-9a-f]{6}$/i.test(v) || v === '') props.onChange(v);
          }}
        />
      </div>
      <Show when={warn()}>
        <p class="contrast-warning small" id={`${props.id}-contrast`} role="status">
          {t('theme.lowContrast', { ratio: (worst() ?? 0).toFixed(1) })}
        </p>
      </Show>
    </Field>
  );
}

/** A collection setting: the collection picker, showing the chosen collection's title (resolved from its id). */
function CollectionSetting(props: { id: string; label: string; value: string; error?: string | undefined; onPick: (id: string | null) => void }) {
  const s = useStore();
  const [collection] = createResource(
    () => (props.value ? { storeId: s.storeId(), collectionId: props.value } : null),
    (q) => api.GET('/stores/{storeId}/collections/{collectionId}', { params: { path: q } }).catch(() => null),
  );
  return (
    <CollectionPicker
      id={props.id}
      label={props.label}
      error={props.error}
      selected={props.value ? { id: props.value, title: collection()?.title ?? (collection.loading ? t('common.loading') : t('theme.noneChosen')) } : null}
      onPick={(c) => props.onPick(c.id)}
      onClear={() => props.onPick(null)}
    />
  );
}

/** A product setting: the product picker, showing the chosen product's title (resolved from its id). */
function ProductSetting(props: { id: string; label: string; value: string; error?: string | undefined; onPick: (id: string | null) => void }) {
  const s = useStore();
  const [product] = createResource(
    () => (props.value ? { storeId: s.storeId(), productId: props.value } : null),
    (q) => api.GET('/stores/{storeId}/products/{productId}', { params: { path: q } }).catch(() => null),
  );
  return (
    <ProductPicker
      id={props.id}
      label={props.label}
      error={props.error}
      selected={props.value ? { id: props.value, title: product()?.title ?? (product.loading ? t('common.loading') : t('theme.noneChosen')) } : null}
      onPick={(p) => props.onPick(p.id)}
      onClear={() => props.onPick(null)}
    />
  );
}
