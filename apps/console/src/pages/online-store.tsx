/**
 * Online store content (issue 20): pages, blog articles, policies and navigation menus, on the content API
 * (`/pages`, `/articles`, `/policies`, `/menus`). Bodies are HTML edited like product descriptions; the API sanitises them.
 */
import '../online-store.css';
import { A, useNavigate, useParams } from '@solidjs/router';
import { createResource, createSignal, For, Index, type JSX, Match, Show, Switch } from 'solid-js';
import { createStore, unwrap } from 'solid-js/store';
import { CollectionPicker } from '../components/collection-picker.tsx';
import { ArticlePicker, PagePicker } from '../components/content-picker.tsx';
import { Icon } from '../components/icons.tsx';
import { ImagePicker } from '../components/image-picker.tsx';
import { ProductPicker } from '../components/product-picker.tsx';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, ConfirmModal, describedBy, EmptyState, Field, PageHeader, SkeletonRows } from '../components/ui.tsx';
import { locale, type MessageKey, t } from '../i18n/index.ts';
import { ApiError, api, type Schemas } from '../lib/api.ts';
import { formatDate } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

type Page = Schemas['Page'];
type Article = Schemas['Article'];
type Kind = 'page' | 'article';

const publicPath = (kind: Kind, handle: string) => (kind === 'page' ? `/pages/${handle}` : `/blog/${handle}`);

/** The list of pages or articles: title, handle, status, date; a row opens the editor. */
function ContentList(props: { kind: Kind }) {
  const s = useStore();
  const navigate = useNavigate();
  const [items] = createResource(
    () => s.storeId(),
    async (storeId): Promise<(Page | Article)[]> =>
      props.kind === 'page'
        ? (await api.GET('/stores/{storeId}/pages', { params: { path: { storeId } } })).data
        : (await api.GET('/stores/{storeId}/articles', { params: { path: { storeId } } })).data,
  );
  const base = props.kind === 'page' ? '/pages' : '/blog';
  const k = (suffix: string) => `${props.kind === 'page' ? 'pages' : 'blog'}.${suffix}` as MessageKey;
  return (
    <div class="page">
      <PageHeader
        title={t(k('title'))}
        subtitle={t(k('subtitle'))}
        actions={
          <A class="button primary" href={s.path(`${base}/new`)}>
            <Icon name="plus" size={16} /> {t(k('add'))}
          </A>
        }
      />
      <Card class="table-card">
        <Show when={!items.error} fallback={<Banner tone="critical">{(items.error as Error)?.message}</Banner>}>
          <Show when={items.latest} fallback={<SkeletonRows rows={4} cols={4} />}>
            <Show
              when={(items.latest?.length ?? 0) > 0}
              fallback={
                <EmptyState icon="orders" title={t(k('emptyTitle'))} body={t(k('emptyBody'))}>
                  <A class="button primary" href={s.path(`${base}/new`)}>
                    {t(k('add'))}
                  </A>
                </EmptyState>
              }
            >
              <div class="table-wrap">
                <table class="table" data-testid={`${props.kind}-table`}>
                  <thead>
                    <tr>
                      <th>{t('content.titleColumn')}</th>
                      <th class="hide-phone">{t('content.handle')}</th>
                      <Show when={props.kind === 'article'}>
                        <th class="hide-phone">{t('blog.author')}</th>
                      </Show>
                      <th>{t('content.status')}</th>
                      <th class="hide-phone">{t('content.updated')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={items.latest ?? []}>
                      {(item) => (
                        <tr class="clickable" onClick={(e) => (e.target as HTMLElement).closest('a') || navigate(s.path(`${base}/${item.id}`))}>
                          <td>
                            <A class="row-link" href={s.path(`${base}/${item.id}`)}>
                              {item.title}
                            </A>
                          </td>
                          <td class="hide-phone muted">{publicPath(props.kind, item.handle)}</td>
                          <Show when={props.kind === 'article'}>
                            <td class="hide-phone">{(item as Article).author}</td>
                          </Show>
                          <td>
                            <Badge value={item.published ? 'active' : 'draft'} label={item.published ? t('content.published') : t('content.draft')} />
                          </td>
                          <td class="hide-phone">{formatDate(item.updatedAt, locale())}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </Show>
          </Show>
        </Show>
      </Card>
    </div>
  );
}

export function PagesListPage() {
  return <ContentList kind="page" />;
}
export function BlogListPage() {
  return <ContentList kind="article" />;
}

interface Draft {
  title: string;
  body: string;
  handle: string;
  seoTitle: string;
  seoDescription: string;
  published: boolean;
  excerpt: string;
  author: string;
  tags: string;
  coverImageUrl: string;
  coverImageAlt: string;
  publishedAt: string;
}
const emptyDraft = (): Draft => ({
  title: '',
  body: '',
  handle: '',
  seoTitle: '',
  seoDescription: '',
  published: false,
  excerpt: '',
  author: '',
  tags: '',
  coverImageUrl: '',
  coverImageAlt: '',
  publishedAt: '',
});
/** `datetime-local` wants local time without a zone. */
const toLocalInput = (iso: string | null) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const toDraft = (item: Page | Article): Draft => {
  const a = item as Partial<Article>;
  return {
    title: item.title,
    body: item.body,
    handle: item.handle,
    seoTitle: item.seoTitle ?? '',
    seoDescription: item.seoDescription ?? '',
    published: item.published,
    excerpt: a.excerpt ?? '',
    author: a.author ?? '',
    tags: (a.tags ?? []).join(', '),
    coverImageUrl: a.coverImageUrl ?? '',
    coverImageAlt: a.coverImageAlt ?? '',
    publishedAt: toLocalInput(item.publishedAt),
  };
};

/** The editor of one page or article: title, body (HTML), handle, SEO, draft/published; articles add blog fields. */
function ContentEditor(props: { kind: Kind }) {
  const s = useStore();
  const params = useParams();
  const navigate = useNavigate();
  const id = () => (props.kind === 'page' ? params.pageId : params.articleId);
  const isNew = () => !id() || id() === 'new';
  const base = props.kind === 'page' ? '/pages' : '/blog';
  const k = (suffix: string) => `${props.kind === 'page' ? 'pages' : 'blog'}.${suffix}` as MessageKey;
  const [draft, setDraft] = createStore<Draft>(emptyDraft());
  const [version, setVersion] = createSignal<number | undefined>(undefined);
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [saving, setSaving] = createSignal(false);
  const [conflict, setConflict] = createSignal(false);
  const [confirmDelete, setConfirmDelete] = createSignal(false);
  const [saved, setSaved] = createSignal<Page | Article | null>(null);
  /** What the cover picker says for the image just picked (product and alt text); a typed or saved URL shows its alt text. */
  const [picked, setPicked] = createSignal<{ url: string; label: string } | undefined>(undefined);
  const coverLabel = () => (picked()?.url === draft.coverImageUrl ? picked()?.label : draft.coverImageAlt || undefined);

  const load = async () => {
    if (isNew()) return null;
    const path = { storeId: s.storeId() };
    const item =
      props.kind === 'page'
        ? await api.GET('/stores/{storeId}/pages/{pageId}', { params: { path: { ...path, pageId: id() as string } } })
        : await api.GET('/stores/{storeId}/articles/{articleId}', { params: { path: { ...path, articleId: id() as string } } });
    setDraft(toDraft(item));
    setVersion(item.version);
    setSaved(item);
    setConflict(false);
    return item;
  };
  const [item] = createResource(() => `${s.storeId()}/${id() ?? 'new'}`, load);

  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    const d = unwrap(draft);
    if (!d.title.trim()) {
      setErrors({ title: t('common.required') });
      document.getElementById('content-title')?.focus();
      return;
    }
    setErrors({});
    setSaving(true);
    const common = {
      title: d.title.trim(),
      body: d.body,
      ...(d.handle.trim() ? { handle: d.handle.trim() } : {}),
      seoTitle: d.seoTitle.trim() || null,
      seoDescription: d.seoDescription.trim() || null,
      published: d.published,
    };
    const blog = {
      ...(d.excerpt.trim() ? { excerpt: d.excerpt.trim() } : {}),
      author: d.author.trim(),
      tags: d.tags
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
      coverImageUrl: d.coverImageUrl.trim() || null,
      coverImageAlt: d.coverImageAlt.trim() || null,
      publishedAt: d.publishedAt ? new Date(d.publishedAt).toISOString() : null,
    };
    const path = { storeId: s.storeId() };
    try {
      let result: Page | Article;
      if (props.kind === 'page')
        result = isNew()
          ? await api.POST('/stores/{storeId}/pages', { params: { path }, body: common })
          : await api.PATCH('/stores/{storeId}/pages/{pageId}', {
              params: { path: { ...path, pageId: id() as string } },
              body: { ...common, version: version() },
            });
      else
        result = isNew()
          ? await api.POST('/stores/{storeId}/articles', { params: { path }, body: { ...common, ...blog } })
          : await api.PATCH('/stores/{storeId}/articles/{articleId}', {
              params: { path: { ...path, articleId: id() as string } },
              body: { ...common, ...blog, version: version() },
            });
      setDraft(toDraft(result));
      setVersion(result.version);
      setSaved(result);
      toast.success(t('content.saved'));
      if (isNew()) navigate(s.path(`${base}/${result.id}`), { replace: true });
    } catch (err) {
      if (err instanceof ApiError) {
        if (err.code === 'version_conflict') setConflict(true);
        setErrors(err.fieldErrors);
        toast.error(err.message);
      } else toast.error((err as Error).message);
    } finally {
      setSaving(false);
    }
  };
  const remove = async () => {
    setConfirmDelete(false);
    const path = { storeId: s.storeId() };
    try {
      if (props.kind === 'page') await api.DELETE('/stores/{storeId}/pages/{pageId}', { params: { path: { ...path, pageId: id() as string } } });
      else await api.DELETE('/stores/{storeId}/articles/{articleId}', { params: { path: { ...path, articleId: id() as string } } });
      toast.success(t('content.deleted'));
      navigate(s.path(base), { replace: true });
    } catch (err) {
      toast.error((err as Error).message);
    }
  };
  const err = (name: string) => errors()[name];
  const text = (name: keyof Draft, label: string, opts: { hint?: string; maxLength?: number; type?: string } = {}) => (
    <Field id={`content-${name}`} label={label} error={err(name)} hint={opts.hint}>
      <input
        id={`content-${name}`}
        type={opts.type ?? 'text'}
        maxLength={opts.maxLength}
        value={draft[name] as string}
        onInput={(e) => setDraft(name, e.currentTarget.value as never)}
        {...describedBy(`content-${name}`, err(name), opts.hint)}
      />
    </Field>
  );
  const liveUrl = () => {
    const it = saved();
    const url = s.store()?.url;
    return it?.published && url ? `${url}${publicPath(props.kind, it.handle)}` : null;
  };

  return (
    <div class="page page-narrow">
      <PageHeader
        title={isNew() ? t(k('new')) : draft.title || t(k('edit'))}
        back={{ href: s.path(base), label: t(k('title')) }}
        actions={
          <Show when={liveUrl()}>
            {(u) => (
              <a class="button" href={u()} target="_blank" rel="noopener">
                <Icon name="external" size={16} /> {t('content.viewLive')}
              </a>
            )}
          </Show>
        }
      />
      <Show when={conflict()}>
        <Banner tone="critical" title={t('editor.conflictTitle')}>
          <p>{t('editor.conflictBody')}</p>
          <button type="button" class="button" onClick={() => void load().then(() => toast.info(t('editor.reloaded')))}>
            {t('editor.reload')}
          </button>
        </Banner>
      </Show>
      <Show when={!item.error} fallback={<Banner tone="critical">{(item.error as Error)?.message}</Banner>}>
        <form class="editor" onSubmit={save} novalidate>
          <div class="editor-main">
            <Card>
              <Field id="content-title" label={t('content.titleField')} error={err('title')}>
                <input
                  id="content-title"
                  required
                  maxLength={255}
                  value={draft.title}
                  onInput={(e) => setDraft('title', e.currentTarget.value)}
                  {...describedBy('content-title', err('title'))}
                />
              </Field>
              <Field id="content-body" label={t('content.body')} error={err('body')} hint={t('content.bodyHint')}>
                <textarea
                  id="content-body"
                  rows={12}
                  value={draft.body}
                  onInput={(e) => setDraft('body', e.currentTarget.value)}
                  {...describedBy('content-body', err('body'), t('content.bodyHint'))}
                />
              </Field>
              <Show when={props.kind === 'article'}>
                <Field id="content-excerpt" label={t('blog.excerpt')} hint={t('blog.excerptHint')} error={err('excerpt')}>
                  <textarea
                    id="content-excerpt"
                    rows={3}
                    maxLength={500}
                    value={draft.excerpt}
                    onInput={(e) => setDraft('excerpt', e.currentTarget.value)}
                    {...describedBy('content-excerpt', err('excerpt'), t('blog.excerptHint'))}
                  />
                </Field>
              </Show>
            </Card>
            <Show when={props.kind === 'article'}>
              <Card title={t('blog.cover')} id="cover">
                <Show when={draft.coverImageUrl}>
                  <img class="cover-preview" src={draft.coverImageUrl} alt={draft.coverImageAlt} />
                </Show>
                <ImagePicker
                  id="cover-pick"
                  label={t('blog.coverFromMedia')}
                  selected={draft.coverImageUrl || null}
                  selectedLabel={coverLabel()}
                  onPick={(i) => {
                    setPicked({ url: i.url, label: i.alt ? `${i.productTitle} — ${i.alt}` : i.productTitle });
                    setDraft({ coverImageUrl: i.url, coverImageAlt: draft.coverImageAlt || i.alt || i.productTitle });
                  }}
                  onClear={() => setDraft({ coverImageUrl: '' })}
                />
                {text('coverImageUrl', t('blog.coverUrl'), { type: 'url' })}
                {text('coverImageAlt', t('blog.coverAlt'), { maxLength: 255 })}
              </Card>
            </Show>
            <Card title={t('content.seo')} id="seo">
              {text('seoTitle', t('editor.seoTitle'), { maxLength: 255 })}
              <Field id="content-seoDescription" label={t('editor.seoDescription')} error={err('seoDescription')}>
                <textarea
                  id="content-seoDescription"
                  rows={3}
                  maxLength={500}
                  value={draft.seoDescription}
                  onInput={(e) => setDraft('seoDescription', e.currentTarget.value)}
                />
              </Field>
            </Card>
          </div>
          <div class="editor-side">
            <Card title={t('content.visibility')} id="visibility">
              <label class="checkbox">
                <input type="checkbox" checked={draft.published} onChange={(e) => setDraft('published', e.currentTarget.checked)} />
                <span>{t('content.publishedLabel')}</span>
              </label>
              <Show when={props.kind === 'article'}>
                {text('publishedAt', t('blog.publishDate'), { type: 'datetime-local', hint: t('blog.publishDateHint') })}
              </Show>
              {text('handle', t('content.handle'), { hint: t('content.handleHint'), maxLength: 255 })}
              <Show when={props.kind === 'article'}>
                {text('author', t('blog.author'), { maxLength: 100 })}
                {text('tags', t('blog.tags'), { hint: t('blog.tagsHint') })}
              </Show>
            </Card>
            <div class="editor-actions">
              <button type="submit" class="button primary" disabled={saving()}>
                {saving() ? t('common.saving') : t('common.save')}
              </button>
              <Show when={!isNew()}>
                <button type="button" class="button danger" onClick={() => setConfirmDelete(true)}>
                  {t('content.delete')}
                </button>
              </Show>
            </div>
          </div>
        </form>
      </Show>
      <ConfirmModal
        open={confirmDelete()}
        title={t(k('deleteTitle'))}
        confirmLabel={t('content.delete')}
        onConfirm={remove}
        onClose={() => setConfirmDelete(false)}
      >
        <p>{t('content.deleteBody', { title: draft.title })}</p>
      </ConfirmModal>
    </div>
  );
}

export function PageEditorPage() {
  return <ContentEditor kind="page" />;
}
export function ArticleEditorPage() {
  return <ContentEditor kind="article" />;
}

// ---- Policies ----

type Policy = Schemas['Policy'];
type PolicyKind = Policy['kind'];

function PolicyCard(props: { policy: Policy; collected: { id: string; text: string }[]; onSaved: () => void }) {
  const s = useStore();
  const [fields, setFields] = createStore<Record<string, string>>({ ...props.policy.fields });
  const [published, setPublished] = createSignal(props.policy.updatedAt ? props.policy.published : true);
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [saving, setSaving] = createSignal(false);
  const [showPreview, setShowPreview] = createSignal(false);
  const kind = props.policy.kind;
  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    setSaving(true);
    setErrors({});
    const filled = Object.fromEntries(Object.entries(unwrap(fields)).filter(([, v]) => v.trim() !== ''));
    try {
      await api.PATCH('/stores/{storeId}/policies', {
        params: { path: { storeId: s.storeId() } },
        body: { [kind]: { fields: filled, published: published() } } as Record<PolicyKind, { fields: Record<string, string>; published: boolean }>,
      });
      toast.success(t('policies.saved', { title: props.policy.title }));
      props.onSaved();
    } catch (err) {
      if (err instanceof ApiError) {
        const out: Record<string, string> = {};
        for (const [p, m] of Object.entries(err.fieldErrors)) out[p.replace(/^.*fields\./, '')] = m;
        setErrors(out);
      }
      toast.error((err as Error).message);
    } finally {
      setSaving(false);
    }
  };
  const liveUrl = () => (props.policy.updatedAt && props.policy.published && s.store()?.url ? `${s.store()?.url}/policies/${props.policy.handle}` : null);
  return (
    <Card
      title={props.policy.title}
      id={`policy-${kind}`}
      actions={
        <Badge
          value={props.policy.updatedAt ? (props.policy.published ? 'active' : 'draft') : 'none'}
          label={props.policy.updatedAt ? (props.policy.published ? t('content.published') : t('content.draft')) : t('policies.notSet')}
        />
      }
    >
      <form onSubmit={save} novalidate>
        <Show when={kind === 'privacy' && props.collected.length > 0}>
          <div class="hint-box">
            <p class="small">{t('policies.collectedIntro')}</p>
            <ul class="small">
              <For each={props.collected}>{(c) => <li>{c.text}</li>}</For>
            </ul>
          </div>
        </Show>
        <For each={props.policy.template}>
          {(f) => {
            const fid = `policy-${kind}-${f.name}`;
            const label = `${f.label}${f.required ? ` (${t('common.required').toLowerCase()})` : ''}`;
            return (
              <Field id={fid} label={label} error={errors()[f.name]}>
                <Show
                  when={f.multiline}
                  fallback={
                    <input
                      id={fid}
                      value={fields[f.name] ?? ''}
                      required={f.required}
                      onInput={(e) => setFields(f.name, e.currentTarget.value)}
                      {...describedBy(fid, errors()[f.name])}
                    />
                  }
                >
                  <textarea
                    id={fid}
                    rows={3}
                    value={fields[f.name] ?? ''}
                    required={f.required}
                    onInput={(e) => setFields(f.name, e.currentTarget.value)}
                    {...describedBy(fid, errors()[f.name])}
                  />
                </Show>
              </Field>
            );
          }}
        </For>
        <label class="checkbox">
          <input type="checkbox" checked={published()} onChange={(e) => setPublished(e.currentTarget.checked)} />
          <span>{t('policies.publishLabel')}</span>
        </label>
        <div class="form-actions wrap">
          <button type="submit" class="button primary" disabled={saving()}>
            {saving() ? t('common.saving') : t('common.save')}
          </button>
          <Show when={props.policy.html}>
            <button type="button" class="button" aria-expanded={showPreview()} onClick={() => setShowPreview(!showPreview())}>
              {showPreview() ? t('policies.hidePreview') : t('policies.preview')}
            </button>
          </Show>
          <Show when={liveUrl()}>
            {(u) => (
              <a class="button" href={u()} target="_blank" rel="noopener">
                <Icon name="external" size={16} /> {t('content.viewLive')}
              </a>
            )}
          </Show>
        </div>
        <Show when={showPreview() && props.policy.html}>
          {/* The server generates this page from escaped fields; it is the same HTML the storefront serves. */}
          <article
            class="policy-preview rich-preview"
            aria-label={t('policies.previewOf', { title: props.policy.title })}
            innerHTML={props.policy.html ?? ''}
          />
        </Show>
      </form>
    </Card>
  );
}

export function PoliciesPage() {
  const s = useStore();
  const [list, { refetch }] = createResource(
    () => s.storeId(),
    (storeId) => api.GET('/stores/{storeId}/policies', { params: { path: { storeId } } }),
  );
  return (
    <div class="page page-narrow">
      <PageHeader title={t('policies.title')} subtitle={t('policies.subtitle')} />
      <Show when={!list.error} fallback={<Banner tone="critical">{(list.error as Error)?.message}</Banner>}>
        <Show when={list.latest} fallback={<SkeletonRows rows={5} cols={2} />}>
          {(l) => <For each={l().data}>{(p) => <PolicyCard policy={p} collected={l().collected} onSaved={() => void refetch()} />}</For>}
        </Show>
      </Show>
    </div>
  );
}

// ---- Navigation menus ----

const ITEM_TYPES = ['collection', 'product', 'page', 'article', 'policy', 'blog', 'home', 'search', 'url'] as const;
type ItemType = (typeof ITEM_TYPES)[number];
interface MenuItem {
  key: string;
  title: string;
  type: ItemType;
  target: string;
  items: MenuItem[];
}
const MAX_DEPTH = 3;
const NEEDS_TARGET: ItemType[] = ['collection', 'product', 'page', 'article', 'policy', 'url'];
let menuKey = 0;
type ApiItem = { title: string; type: ItemType; target?: string; items?: ApiItem[] };
const fromApi = (items: ApiItem[]): MenuItem[] =>
  items.map((i) => ({ key: `m${menuKey++}`, title: i.title, type: i.type, target: i.target ?? '', items: fromApi(i.items ?? []) }));
const toApi = (items: MenuItem[]): ApiItem[] =>
  items.map((i) => ({
    title: i.title.trim(),
    type: i.type,
    ...(NEEDS_TARGET.includes(i.type) ? { target: i.target.trim() } : {}),
    ...(i.items.length ? { items: toApi(i.items) } : {}),
  }));

/** The store's policies a menu item can point at (a handful: a plain select). */
function usePolicyTargets() {
  const s = useStore();
  const [policies] = createResource(
    () => s.storeId(),
    async (storeId) => (await api.GET('/stores/{storeId}/policies', { params: { path: { storeId } } })).data.map((p) => ({ value: p.kind, label: p.title })),
  );
  return policies;
}

type PickedType = 'collection' | 'product' | 'page' | 'article';
const PICKED_TYPES: readonly ItemType[] = ['collection', 'product', 'page', 'article'];
/** Titles of menu targets seen in this session (picked, or resolved from their ids when a saved menu opens). */
const targetTitles = new Map<string, string>();

/** The title of the collection/product/page/article a saved menu item points at (null when it no longer exists). */
async function targetTitle(storeId: string, type: PickedType, id: string): Promise<string | null> {
  const path = { storeId };
  const get = async () => {
    switch (type) {
      case 'collection':
        return api.GET('/stores/{storeId}/collections/{collectionId}', { params: { path: { ...path, collectionId: id } } });
      case 'product':
        return api.GET('/stores/{storeId}/products/{productId}', { params: { path: { ...path, productId: id } } });
      case 'page':
        return api.GET('/stores/{storeId}/pages/{pageId}', { params: { path: { ...path, pageId: id } } });
      case 'article':
        return api.GET('/stores/{storeId}/articles/{articleId}', { params: { path: { ...path, articleId: id } } });
    }
  };
  const found = await get().catch(() => null);
  if (found) targetTitles.set(id, found.title);
  return found?.title ?? null;
}

/** A menu item's collection/product/page/article, found with the matching searchable picker; shows the chosen title. */
function MenuTargetPicker(props: { id: string; type: PickedType; target: string; error?: string | undefined; onChange: (target: string) => void }) {
  const s = useStore();
  const [resolved] = createResource(
    () => (props.target && !targetTitles.has(props.target) ? { storeId: s.storeId(), type: props.type, id: props.target } : false),
    (k) => targetTitle(k.storeId, k.type, k.id),
  );
  const selected = () => {
    if (!props.target) return null;
    const known = targetTitles.get(props.target) ?? resolved();
    return { id: props.target, title: known ?? (resolved.loading ? t('common.loading') : t('menus.targetGone')) };
  };
  const pick = (x: { id: string; title: string }) => {
    targetTitles.set(x.id, x.title);
    props.onChange(x.id);
  };
  const common = () => ({ id: props.id, label: t('menus.target'), error: props.error, selected: selected(), onPick: pick, onClear: () => props.onChange('') });
  return (
    <Switch>
      <Match when={props.type === 'collection'}>
        <CollectionPicker {...common()} />
      </Match>
      <Match when={props.type === 'product'}>
        <ProductPicker {...common()} />
      </Match>
      <Match when={props.type === 'page'}>
        <PagePicker {...common()} />
      </Match>
      <Match when={props.type === 'article'}>
        <ArticlePicker {...common()} />
      </Match>
    </Switch>
  );
}

export function MenusPage() {
  const s = useStore();
  const [handle, setHandle] = createSignal('main-menu');
  const [menus, { refetch }] = createResource(
    () => s.storeId(),
    (storeId) => api.GET('/stores/{storeId}/menus', { params: { path: { storeId } } }),
  );
  const current = () => menus.latest?.data.find((m) => m.handle === handle());
  return (
    <div class="page page-narrow">
      <PageHeader title={t('menus.title')} subtitle={t('menus.subtitle')} />
      <div class="tabs" role="tablist" aria-label={t('menus.which')}>
        <For each={['main-menu', 'footer']}>
          {(h) => (
            <button type="button" role="tab" class="tab" aria-selected={handle() === h} onClick={() => setHandle(h)}>
              {h === 'main-menu' ? t('menus.header') : t('menus.footer')}
            </button>
          )}
        </For>
      </div>
      <Show when={!menus.error} fallback={<Banner tone="critical">{(menus.error as Error)?.message}</Banner>}>
        <Show when={menus.latest} fallback={<SkeletonRows rows={4} cols={2} />}>
          <Show when={handle()} keyed>
            {(h) => <MenuEditor handle={h} menu={current()} onSaved={() => void refetch()} />}
          </Show>
        </Show>
      </Show>
    </div>
  );
}

function MenuEditor(props: { handle: string; menu: Schemas['Menu'] | undefined; onSaved: () => void }) {
  const s = useStore();
  const policies = usePolicyTargets();
  const [items, setItems] = createStore<{ list: MenuItem[] }>({ list: fromApi((props.menu?.items ?? []) as unknown as ApiItem[]) });
  const [title, setTitle] = createSignal(props.menu?.title ?? (props.handle === 'main-menu' ? t('menus.header') : t('menus.footer')));
  const [version, setVersion] = createSignal(props.menu?.version);
  const [menuId, setMenuId] = createSignal(props.menu?.id);
  const [announce, setAnnounce] = createSignal('');
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [saving, setSaving] = createSignal(false);

  /** The sibling list at `path` (indexes from the root), and a setter that replaces it. */
  const listAt = (path: number[]): MenuItem[] => {
    let list = items.list;
    for (const i of path) list = list[i]?.items ?? [];
    return list;
  };
  const replaceAt = (path: number[], next: MenuItem[]) => {
    const clone = structuredClone(unwrap(items.list));
    if (!path.length) return setItems('list', next);
    let list = clone;
    for (const i of path.slice(0, -1)) list = (list[i] as MenuItem).items;
    (list[path[path.length - 1] as number] as MenuItem).items = next;
    setItems('list', clone);
  };
  const move = (path: number[], from: number, to: number) => {
    const list = structuredClone(unwrap(listAt(path)));
    if (to < 0 || to >= list.length || from === to) return;
    const [it] = list.splice(from, 1);
    if (!it) return;
    list.splice(to, 0, it);
    replaceAt(path, list);
    setAnnounce(t('menus.moved', { title: it.title || t('menus.untitled'), position: to + 1, last: list.length }));
    queueMicrotask(() => document.querySelector<HTMLElement>(`[data-key="${it.key}"] .menu-item-title`)?.focus());
  };
  const add = (path: number[]) => {
    const list = structuredClone(unwrap(listAt(path)));
    const key = `m${menuKey++}`;
    list.push({ key, title: '', type: 'url', target: '', items: [] });
    replaceAt(path, list);
    queueMicrotask(() => document.querySelector<HTMLElement>(`[data-key="${key}"] .menu-item-title`)?.focus());
  };
  const remove = (path: number[], i: number) => {
    const list = structuredClone(unwrap(listAt(path)));
    const [gone] = list.splice(i, 1);
    replaceAt(path, list);
    setAnnounce(t('menus.removed', { title: gone?.title || t('menus.untitled') }));
  };
  const update = (path: number[], i: number, patch: Partial<MenuItem>) => {
    const list = structuredClone(unwrap(listAt(path)));
    list[i] = { ...(list[i] as MenuItem), ...patch };
    replaceAt(path, list);
  };
  let drag: { path: string; from: number } | null = null;

  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    setSaving(true);
    setErrors({});
    const body = { handle: props.handle, title: title().trim(), items: toApi(unwrap(items.list)) as never[] };
    try {
      const id = menuId();
      const r = id
        ? await api.PATCH('/stores/{storeId}/menus/{menuId}', { params: { path: { storeId: s.storeId(), menuId: id } }, body: { ...body, version: version() } })
        : await api.POST('/stores/{storeId}/menus', { params: { path: { storeId: s.storeId() } }, body });
      setVersion(r.version);
      setMenuId(r.id);
      toast.success(t('menus.saved'));
      props.onSaved();
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors);
      toast.error((err as Error).message);
    } finally {
      setSaving(false);
    }
  };

  const ItemList = (lp: { path: number[]; depth: number }): JSX.Element => (
    <ol class="menu-tree" aria-label={lp.depth === 1 ? title() : undefined}>
      <Index each={listAt(lp.path)}>
        {(item, i) => {
          const id = () => `menu-${[...lp.path, i].join('-')}`;
          const errPath = () => `items.${[...lp.path, i].join('.items.')}`;
          return (
            <li
              class="menu-node"
              data-key={item().key}
              draggable="true"
              onDragStart={(e) => {
                e.stopPropagation();
                drag = { path: lp.path.join('.'), from: i };
              }}
              onDragOver={(e) => {
                if (drag && drag.path === lp.path.join('.')) {
                  e.preventDefault();
                  e.stopPropagation();
                }
              }}
              onDrop={(e) => {
                if (!drag || drag.path !== lp.path.join('.')) return;
                e.preventDefault();
                e.stopPropagation();
                move(lp.path, drag.from, i);
                drag = null;
              }}
            >
              <div class="menu-row">
                <span class="drag-handle" aria-hidden="true">
                  <Icon name="drag" size={14} />
                </span>
                <Field id={`${id()}-title`} label={t('menus.itemTitle')} error={errors()[`${errPath()}.title`]}>
                  <input
                    id={`${id()}-title`}
                    class="menu-item-title"
                    maxLength={100}
                    value={item().title}
                    onInput={(e) => update(lp.path, i, { title: e.currentTarget.value })}
                  />
                </Field>
                <Field id={`${id()}-type`} label={t('menus.linkType')}>
                  <select id={`${id()}-type`} value={item().type} onChange={(e) => update(lp.path, i, { type: e.currentTarget.value as ItemType, target: '' })}>
                    <For each={[...ITEM_TYPES]}>{(ty) => <option value={ty}>{t(`menus.type.${ty}` as MessageKey)}</option>}</For>
                  </select>
                </Field>
                <Switch>
                  <Match when={PICKED_TYPES.includes(item().type)}>
                    <MenuTargetPicker
                      id={`${id()}-target`}
                      type={item().type as PickedType}
                      target={item().target}
                      error={errors()[`${errPath()}.target`] ?? errors()[`${errPath()}`]}
                      onChange={(target) => update(lp.path, i, { target })}
                    />
                  </Match>
                  <Match when={NEEDS_TARGET.includes(item().type)}>
                    <Field id={`${id()}-target`} label={t('menus.target')} error={errors()[`${errPath()}.target`] ?? errors()[`${errPath()}`]}>
                      <Show
                        when={item().type !== 'url'}
                        fallback={
                          <input
                            id={`${id()}-target`}
                            value={item().target}
                            placeholder="https://… or /path"
                            onChange={(e) => update(lp.path, i, { target: e.currentTarget.value })}
                          />
                        }
                      >
                        <select id={`${id()}-target`} value={item().target} onChange={(e) => update(lp.path, i, { target: e.currentTarget.value })}>
                          <option value="">{t('menus.chooseTarget')}</option>
                          <For each={policies() ?? []}>{(o) => <option value={o.value}>{o.label}</option>}</For>
                        </select>
                      </Show>
                    </Field>
                  </Match>
                </Switch>
                <div class="menu-row-tools">
                  <button
                    type="button"
                    class="icon-button small"
                    aria-label={t('menus.moveUp', { title: item().title || t('menus.untitled') })}
                    disabled={i === 0}
                    onClick={() => move(lp.path, i, i - 1)}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    class="icon-button small"
                    aria-label={t('menus.moveDown', { title: item().title || t('menus.untitled') })}
                    disabled={i === listAt(lp.path).length - 1}
                    onClick={() => move(lp.path, i, i + 1)}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    class="icon-button small"
                    aria-label={t('menus.remove', { title: item().title || t('menus.untitled') })}
                    onClick={() => remove(lp.path, i)}
                  >
                    ×
                  </button>
                </div>
              </div>
              <Show when={item().items.length > 0}>{ItemList({ path: [...lp.path, i], depth: lp.depth + 1 })}</Show>
              <Show when={lp.depth < MAX_DEPTH}>
                <button type="button" class="link-button add-link" onClick={() => add([...lp.path, i])}>
                  <Icon name="plus" size={14} /> {t('menus.addChild', { title: item().title || t('menus.untitled') })}
                </button>
              </Show>
            </li>
          );
        }}
      </Index>
    </ol>
  );

  return (
    <Card>
      <form onSubmit={save} novalidate data-testid="menu-editor">
        <Field id="menu-title" label={t('menus.menuTitle')} error={errors().title}>
          <input id="menu-title" maxLength={100} value={title()} onInput={(e) => setTitle(e.currentTarget.value)} />
        </Field>
        <p class="muted small">{t('menus.hint')}</p>
        {ItemList({ path: [], depth: 1 })}
        <div class="form-actions wrap">
          <button type="button" class="button" onClick={() => add([])}>
            <Icon name="plus" size={16} /> {t('menus.addItem')}
          </button>
          <button type="submit" class="button primary" disabled={saving()}>
            {saving() ? t('common.saving') : t('menus.save')}
          </button>
        </div>
        <p class="visually-hidden" aria-live="polite">
          {announce()}
        </p>
      </form>
    </Card>
  );
}
