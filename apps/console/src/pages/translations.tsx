/**
 * Translations: how much of the store each language has, and one resource's texts side by side — the original
 * (the store's default language) next to the translation fields — saved per resource. Fields left empty show the
 * original to shoppers.
 */
import { createEffect, createMemo, createResource, createSignal, For, Show } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { SearchPicker } from '../components/search-picker.tsx';
import { toast } from '../components/toast.tsx';
import { Banner, Card, EmptyState, PageHeader, ProgressBar, SkeletonRows } from '../components/ui.tsx';
import { type MessageKey, t } from '../i18n/index.ts';
import { api, type Schemas } from '../lib/api.ts';
import { createFormState } from '../lib/form.ts';
import { STORE_LANGUAGE_NAMES, type StoreLanguage } from '../lib/store-languages.ts';
import { useStore } from '../lib/store-context.ts';

type Text = Schemas['TranslationText'];
type Kind = Text['kind'];
const KINDS: Kind[] = ['product', 'collection', 'page', 'article', 'menu', 'store'];
const LONG = new Set(['description', 'body', 'excerpt', 'seoDescription']);

/** A field's label: a named field, an option's name or value, or a menu item. */
function fieldLabel(x: Text): string {
  if (x.field.startsWith('option:')) {
    const rest = x.field.slice('option:'.length);
    const eq = rest.indexOf('=');
    return eq < 0 ? t('translations.optionName', { name: rest }) : t('translations.optionValue', { name: rest.slice(0, eq), value: rest.slice(eq + 1) });
  }
  if (x.field.startsWith('item:')) return t('translations.menuItem', { path: x.field.slice('item:'.length) });
  return t(`translations.field.${x.field}` as MessageKey);
}

/** The PUT body of one resource's texts: named fields (empty: null), options and menu items as objects. */
function bodyOf(rows: Text[], values: Record<string, string>) {
  const body: Record<string, unknown> = {};
  const options: Record<string, { name?: string; values?: Record<string, string> }> = {};
  const items: Record<string, string> = {};
  let hasOptions = false;
  let hasItems = false;
  for (const r of rows) {
    const v = (values[r.field] ?? '').trim();
    if (r.field.startsWith('option:')) {
      hasOptions = true;
      if (!v) continue;
      const rest = r.field.slice('option:'.length);
      const eq = rest.indexOf('=');
      const name = eq < 0 ? rest : rest.slice(0, eq);
      const entry = options[name] ?? {};
      if (eq < 0) entry.name = v;
      else entry.values = { ...entry.values, [rest.slice(eq + 1)]: v };
      options[name] = entry;
    } else if (r.field.startsWith('item:')) {
      hasItems = true;
      if (v) items[r.field.slice('item:'.length)] = v;
    } else body[r.field] = v || null;
  }
  if (hasOptions) body.options = Object.keys(options).length ? options : null;
  if (hasItems) body.items = Object.keys(items).length ? items : null;
  return body;
}

export default function TranslationsPage() {
  const s = useStore();
  const [settings] = createResource(s.storeId, (id) => api.GET('/stores/{storeId}/settings', { params: { path: { storeId: id } } }));
  const [progress, { refetch: refetchProgress }] = createResource(s.storeId, (id) =>
    api.GET('/stores/{storeId}/translations/progress', { params: { path: { storeId: id } } }),
  );
  const others = createMemo(() => (settings()?.languages ?? []).slice(1) as StoreLanguage[]);
  const [lang, setLang] = createSignal<StoreLanguage | ''>('');
  createEffect(() => {
    if (!lang() && others()[0]) setLang(others()[0] as StoreLanguage);
  });
  const [kind, setKind] = createSignal<Kind>('product');
  const [texts, { refetch }] = createResource(
    () => (lang() ? { id: s.storeId(), locale: lang() as StoreLanguage } : null),
    (q) => api.GET('/stores/{storeId}/translations/texts', { params: { path: { storeId: q.id }, query: { locale: q.locale } } }),
  );
  /** The resources of the chosen kind, each with its texts, in the export's order. */
  const resources = createMemo(() => {
    const by = new Map<string, { id: string; label: string; rows: Text[] }>();
    for (const x of texts()?.data ?? []) {
      if (x.kind !== kind()) continue;
      const r = by.get(x.id) ?? { id: x.id, label: '', rows: [] };
      if ((x.field === 'title' || x.field === 'name') && !r.label) r.label = x.original || x.handle;
      r.rows.push(x);
      by.set(x.id, r);
    }
    return [...by.values()].map((r) => ({ ...r, label: r.label || r.rows[0]?.handle || t('translations.untitled') }));
  });
  const [resourceId, setResourceId] = createSignal('');
  createEffect(() => {
    const list = resources();
    if (!list.some((r) => r.id === resourceId())) setResourceId(list[0]?.id ?? '');
  });
  const current = createMemo(() => resources().find((r) => r.id === resourceId()) ?? null);
  const [values, setValues] = createStore<Record<string, string>>({});
  createEffect(() => {
    const c = current();
    setValues(reconcile(Object.fromEntries((c?.rows ?? []).map((r) => [r.field, r.translation]))));
  });
  const form = createFormState();
  const save = async (e: Event) => {
    e.preventDefault();
    const c = current();
    const locale = lang();
    if (!c || !locale) return;
    const body = bodyOf(c.rows, values) as never;
    const storeId = s.storeId();
    const r = await form.submit(() => {
      switch (kind()) {
        case 'product':
          return api.PUT('/stores/{storeId}/products/{productId}/translations/{locale}', { params: { path: { storeId, productId: c.id, locale } }, body });
        case 'collection':
          return api.PUT('/stores/{storeId}/collections/{collectionId}/translations/{locale}', {
            params: { path: { storeId, collectionId: c.id, locale } },
            body,
          });
        case 'page':
          return api.PUT('/stores/{storeId}/pages/{pageId}/translations/{locale}', { params: { path: { storeId, pageId: c.id, locale } }, body });
        case 'article':
          return api.PUT('/stores/{storeId}/articles/{articleId}/translations/{locale}', { params: { path: { storeId, articleId: c.id, locale } }, body });
        case 'menu':
          return api.PUT('/stores/{storeId}/menus/{menuId}/translations/{locale}', { params: { path: { storeId, menuId: c.id, locale } }, body });
        default:
          return api.PUT('/stores/{storeId}/settings/translations/{locale}', { params: { path: { storeId, locale } }, body });
      }
    });
    if (r !== undefined) {
      toast.success(t('translations.saved'));
      refetch();
      refetchProgress();
    }
  };

  return (
    <>
      <PageHeader title={t('translations.title')} subtitle={t('translations.subtitle')} />
      <Show when={!settings.error} fallback={<Banner tone="critical">{(settings.error as Error)?.message}</Banner>}>
        <Show when={settings()} fallback={<SkeletonRows rows={4} />}>
          <Show
            when={others().length > 0}
            fallback={
              <Card>
                <EmptyState icon="globe" title={t('translations.noLanguages')} body={t('translations.noLanguagesBody')} />
              </Card>
            }
          >
            <Card title={t('translations.progress')} id="translation-progress">
              <ul class="translation-progress" data-testid="translation-progress">
                <For each={(progress()?.data ?? []).filter((x) => x.locale !== settings()?.languages[0])}>
                  {(x) => {
                    const name = STORE_LANGUAGE_NAMES[x.locale as StoreLanguage] ?? x.locale;
                    const share = () => (x.total ? x.translated / x.total : 0);
                    return (
                      <li>
                        <div class="row-between">
                          <strong>{name}</strong>
                          <span class="muted small">
                            {t('translations.progressOf', { done: x.translated, total: x.total, pct: Math.round(share() * 100) })}
                          </span>
                        </div>
                        <ProgressBar value={share()} label={t('translations.progressLabel', { language: name })} />
                      </li>
                    );
                  }}
                </For>
              </ul>
            </Card>
            <Card title={t('translations.editor')} id="translation-editor">
              <div class="grid-3 translation-pickers">
                <div class="field">
                  <label for="tr-lang">{t('translations.language')}</label>
                  <select id="tr-lang" value={lang()} onChange={(e) => setLang(e.currentTarget.value as StoreLanguage)}>
                    <For each={others()}>{(l) => <option value={l}>{STORE_LANGUAGE_NAMES[l]}</option>}</For>
                  </select>
                </div>
                <div class="field">
                  <label for="tr-kind">{t('translations.kind')}</label>
                  <select id="tr-kind" value={kind()} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
                    <For each={KINDS}>{(k) => <option value={k}>{t(`translations.kind.${k}` as MessageKey)}</option>}</For>
                  </select>
                </div>
                <SearchPicker
                  id="tr-resource"
                  label={t('translations.resource')}
                  debounceMs={0}
                  disabled={resources().length === 0}
                  search={async (q) => {
                    // The texts are already loaded: search the chosen kind's items by name or handle, locally.
                    const needle = q.toLocaleLowerCase();
                    return resources()
                      .filter((r) => !needle || r.label.toLocaleLowerCase().includes(needle) || (r.rows[0]?.handle ?? '').toLocaleLowerCase().includes(needle))
                      .slice(0, 50)
                      .map((r) => ({ id: r.id, label: r.label, detail: r.rows[0]?.handle || undefined, value: r.id }));
                  }}
                  onPick={(o) => setResourceId(o.value)}
                  selected={current() ? { id: (current() as { id: string }).id, label: (current() as { label: string }).label } : null}
                />
              </div>
              <Show when={!texts.error} fallback={<Banner tone="critical">{(texts.error as Error)?.message}</Banner>}>
                <Show when={texts()} fallback={<SkeletonRows rows={4} cols={2} />}>
                  <Show when={current()} fallback={<p class="muted">{t('translations.nothing')}</p>}>
                    {(c) => (
                      <form class="form" onSubmit={save} novalidate>
                        <Show when={form.formError()}>
                          <Banner tone="critical">{form.formError()}</Banner>
                        </Show>
                        <table class="table translation-table" data-testid="translation-fields">
                          <thead>
                            <tr>
                              <th scope="col">{t('translations.fieldHeader')}</th>
                              <th scope="col">{t('translations.original')}</th>
                              <th scope="col">{STORE_LANGUAGE_NAMES[lang() as StoreLanguage]}</th>
                            </tr>
                          </thead>
                          <tbody>
                            <For each={c().rows}>
                              {(r, i) => {
                                const id = () => `tr-field-${i()}`;
                                return (
                                  <tr>
                                    <th scope="row">
                                      <label for={id()}>{fieldLabel(r)}</label>
                                    </th>
                                    <td class="translation-original" lang={settings()?.languages[0]}>
                                      <Show when={r.original} fallback={<span class="muted">{t('translations.empty')}</span>}>
                                        {r.original}
                                      </Show>
                                    </td>
                                    <td>
                                      <Show
                                        when={LONG.has(r.field)}
                                        fallback={
                                          <input
                                            id={id()}
                                            lang={lang()}
                                            value={values[r.field] ?? ''}
                                            placeholder={r.original}
                                            onInput={(e) => setValues(r.field, e.currentTarget.value)}
                                          />
                                        }
                                      >
                                        <textarea
                                          id={id()}
                                          lang={lang()}
                                          rows={4}
                                          value={values[r.field] ?? ''}
                                          onInput={(e) => setValues(r.field, e.currentTarget.value)}
                                        />
                                      </Show>
                                    </td>
                                  </tr>
                                );
                              }}
                            </For>
                          </tbody>
                        </table>
                        <p class="muted small">{t('translations.fallbackHint')}</p>
                        <div class="form-actions">
                          <button type="submit" class="button primary" disabled={form.busy()}>
                            {t('common.save')}
                          </button>
                        </div>
                      </form>
                    )}
                  </Show>
                </Show>
              </Show>
            </Card>
          </Show>
        </Show>
      </Show>
    </>
  );
}
