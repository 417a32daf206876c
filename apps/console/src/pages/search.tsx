/**
 * Search settings of a store: index status with reindex/check jobs (polled for progress), synonyms, pinned results,
 * stop words and in-stock boost, analytics, and a "try a query" box with the staff explain parts.
 */
import { A } from '@solidjs/router';
import { createResource, createSignal, For, onCleanup, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, describedBy, Field, PageHeader, ProgressBar, SkeletonRows, Spinner } from '../components/ui.tsx';
import { locale, type MessageKey, t } from '../i18n/index.ts';
import {
  ApiError,
  api,
  type Product,
  type SearchAnalytics,
  type SearchJob,
  type SearchPin,
  type SearchResult,
  type SearchSettings,
  type SearchStatus,
  type SearchSynonym,
} from '../lib/api.ts';
import { formatDateTime, formatMoney, formatNumber } from '../lib/format.ts';
import { createFormState } from '../lib/form.ts';
import { ProductPicker } from '../components/product-picker.tsx';
import { useStore } from '../lib/store-context.ts';
import type { StoreJob } from './jobs.tsx';

const percent = (x: number) => new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(x);
const splitList = (s: string) =>
  s
    .split(/[,，\n]/)
    .map((x) => x.trim())
    .filter(Boolean);

/** The first error whose path starts with one of the prefixes. */
const errorAt = (errors: Record<string, string>, ...prefixes: string[]) =>
  Object.entries(errors).find(([k]) => prefixes.some((p) => k === p || k.startsWith(`${p}.`)))?.[1];

// ---------------------------------------------------------------- index status and jobs

function IndexCard() {
  const s = useStore();
  const [status, { refetch }] = createResource(s.storeId, (id) => api.GET('/stores/{storeId}/search/status', { params: { path: { storeId: id } } }));
  // The last consistency check, from the store's job ledger (its result survives a reload).
  const [lastCheck, setLastCheck] = createSignal<ConsistencyReport | null>(null);
  const [lastCheckAt, setLastCheckAt] = createSignal<string | null>(null);
  void api
    .GET('/stores/{storeId}/jobs', { params: { path: { storeId: s.storeId() }, query: { limit: 100 } } })
    .then((r) => {
      const j = r.data.find((x) => x.name === 'search.check-index' && x.state === 'completed') as (StoreJob & { result?: unknown }) | undefined;
      if (j && isReport(j.result)) {
        setLastCheck(j.result);
        setLastCheckAt(j.finishedAt);
      }
    })
    .catch(() => {});
  const [job, setJob] = createSignal<SearchJob | null>(null);
  const [kind, setKind] = createSignal<'reindex' | 'check' | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));

  const poll = async (jobId: string) => {
    try {
      const j = await api.GET('/stores/{storeId}/search/jobs/{searchJobId}', { params: { path: { storeId: s.storeId(), searchJobId: jobId } } });
      setJob(j);
      if (j.state === 'completed') {
        refetch();
        if (isReport(j.result)) {
          setLastCheck(j.result);
          setLastCheckAt(new Date().toISOString());
        }
        toast.success(kind() === 'check' ? t('search.index.checkDone') : t('search.index.reindexDone'));
      } else if (j.state === 'failed') toast.error(j.failedReason ?? t('search.index.jobFailed'));
      else timer = setTimeout(() => poll(jobId), 700);
    } catch (e) {
      toast.error((e as Error).message);
    }
  };
  const start = async (which: 'reindex' | 'check', repair = false) => {
    clearTimeout(timer);
    try {
      const r =
        which === 'reindex'
          ? await api.POST('/stores/{storeId}/search/reindex', { params: { path: { storeId: s.storeId() } } })
          : await api.POST('/stores/{storeId}/search/check', { params: { path: { storeId: s.storeId() } }, body: { repair } });
      setKind(which);
      // A reindex answers with its job's state ("Queued" at once; a reindex already running is followed, not repeated).
      setJob({ jobId: r.jobId, name: which, state: (r as { state?: string }).state ?? 'waiting', progress: 0, result: null, failedReason: null });
      void poll(r.jobId);
    } catch (e) {
      toast.error((e as Error).message);
    }
  };
  const running = () => {
    const j = job();
    return !!j && j.state !== 'completed' && j.state !== 'failed';
  };
  const healthy = (r: ConsistencyReport) => r.missing + r.stale + r.orphaned === 0;

  return (
    <Card
      title={t('search.index.title')}
      id="search-index"
      actions={
        <Show when={s.can('catalog:write')}>
          <div class="card-actions">
            <button type="button" class="button small" disabled={running()} onClick={() => start('check')}>
              {t('search.index.check')}
            </button>
            <button type="button" class="button small primary" disabled={running()} onClick={() => start('reindex')}>
              {t('search.index.reindex')}
            </button>
          </div>
        </Show>
      }
    >
      <Show when={status.latest} fallback={<SkeletonRows rows={1} cols={3} />}>
        {(st) => (
          <dl class="status-list">
            <div>
              <dt>{t('search.index.documents')}</dt>
              <dd class="stat-value" data-testid="index-documents">
                {formatNumber(st().documents, locale())}
              </dd>
              <dd class="muted small">{t('search.index.activeProducts', { count: st().activeProducts })}</dd>
            </div>
            <div>
              <dt>{t('search.index.lastIndexed')}</dt>
              <dd>{st().lastIndexedAt ? formatDateTime(st().lastIndexedAt as string, locale()) : t('search.index.never')}</dd>
            </div>
            <div>
              <dt>{t('search.index.consistency')}</dt>
              <dd data-testid="index-consistency">
                <Show when={lastCheck()} fallback={<span class="muted">{t('search.index.notChecked')}</span>}>
                  {(r) => (
                    <>
                      <Badge value={healthy(r()) ? 'completed' : 'low'} label={healthy(r()) ? t('search.index.consistent') : t('search.index.differs')} />
                      <span class="muted small block">{t('search.index.checkCounts', { missing: r().missing, stale: r().stale, orphaned: r().orphaned })}</span>
                      <Show when={lastCheckAt()}>{(at) => <span class="muted small block">{formatDateTime(at(), locale())}</span>}</Show>
                    </>
                  )}
                </Show>
              </dd>
            </div>
          </dl>
        )}
      </Show>
      <Show when={lastCheck() && !healthy(lastCheck() as ConsistencyReport) && s.can('catalog:write')}>
        <Banner tone="warning" title={t('search.index.differsTitle')}>
          <p>{t('search.index.differsBody')}</p>
          <button type="button" class="button small" disabled={running()} onClick={() => start('check', true)}>
            {t('search.index.repair')}
          </button>
        </Banner>
      </Show>
      <Show when={job()}>
        {(j) => (
          <div class="job-progress" data-testid="search-job">
            <div class="job-progress-head">
              <strong>{kind() === 'check' ? t('search.index.checking') : t('search.index.reindexing')}</strong>
              <Badge value={j().state === 'active' ? 'running' : j().state === 'waiting' ? 'queued' : j().state} />
            </div>
            <ProgressBar value={j().state === 'completed' ? 1 : j().progress / 100} label={t('search.index.progress')} />
            <Show when={j().failedReason}>
              <p class="field-error">{j().failedReason}</p>
            </Show>
          </div>
        )}
      </Show>
    </Card>
  );
}

/** The result of a `search.check-index` job (the API types job results as unknown; this guard checks the shape). */
interface ConsistencyReport {
  products: number;
  documents: number;
  missing: number;
  stale: number;
  orphaned: number;
  repaired: boolean;
  sample: string[];
}
const isReport = (x: unknown): x is ConsistencyReport =>
  !!x && typeof x === 'object' && typeof (x as ConsistencyReport).missing === 'number' && typeof (x as ConsistencyReport).stale === 'number';

// ---------------------------------------------------------------- try a query

const EXPLAIN_ORDER = [
  'bm25f',
  'coverage',
  'titleCoverage',
  'primaryTitleCoverage',
  'head',
  'headCoverage',
  'titleHead',
  'titleStart',
  'titleFocus',
  'proximity',
  'phrase',
  'skuMatch',
  'boost',
];

/** Numeric score parts (and flags such as skuMatch when set), in a stable order. */
function explainParts(explain: Record<string, unknown>) {
  const keys = Object.keys(explain).filter((k) => typeof explain[k] === 'number' || explain[k] === true);
  keys.sort((a, b) => (EXPLAIN_ORDER.indexOf(a) + 1 || 99) - (EXPLAIN_ORDER.indexOf(b) + 1 || 99));
  return keys.map((k) => {
    const v = explain[k];
    return { key: k, zero: v === 0, text: typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : '✓' };
  });
}
function explainLabel(key: string): string {
  const k = `search.explain.${key}` as MessageKey;
  const label = t(k);
  return label === k ? key : label;
}

function TryQueryCard() {
  const s = useStore();
  const [q, setQ] = createSignal('');
  const [result, setResult] = createSignal<SearchResult | null>(null);
  const [busy, setBusy] = createSignal(false);
  // Score parts are for tuning, not for reading the results: hidden until the merchant asks for them.
  const [explain, setExplain] = createSignal(false);
  const run = async (query = q()) => {
    setBusy(true);
    try {
      setResult(await api.GET('/stores/{storeId}/search', { params: { path: { storeId: s.storeId() }, query: { q: query, explain: '1', limit: '10' } } }));
    } catch (e) {
      toast.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t('search.try.title')} id="search-try">
      <p class="muted small">{t('search.try.hint')}</p>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <Field id="try-q" label={t('search.try.query')} class="grow">
          <input id="try-q" type="search" value={q()} onInput={(e) => setQ(e.currentTarget.value)} placeholder={t('search.try.placeholder')} />
        </Field>
        <button type="submit" class="button primary" disabled={busy()}>
          <Show when={busy()}>
            <Spinner />
          </Show>
          {t('search.try.run')}
        </button>
        <button type="button" class="button" aria-pressed={explain()} onClick={() => setExplain(!explain())}>
          {t('search.try.explain')}
        </button>
      </form>
      <Show when={result()}>
        {(r) => (
          <div data-testid="try-results">
            <p class="muted small" aria-live="polite">
              {t('search.try.total', { count: r().total })}
              <Show when={r().didYouMean}>
                {(dym) => (
                  <>
                    {' · '}
                    {t('search.try.didYouMean')}{' '}
                    <button
                      type="button"
                      class="link-button"
                      onClick={() => {
                        setQ(dym());
                        void run(dym());
                      }}
                    >
                      {dym()}
                    </button>
                  </>
                )}
              </Show>
            </p>
            <Show when={r().hits.length > 0} fallback={<p class="muted">{t('search.try.none')}</p>}>
              <ol class="result-list">
                <For each={r().hits}>
                  {(h) => (
                    <li class="result-item">
                      <Show when={h.image} fallback={<span class="thumb thumb-empty" aria-hidden="true" />}>
                        <img class="thumb" src={h.image as string} alt="" loading="lazy" />
                      </Show>
                      <div class="result-body">
                        <div class="result-title">
                          <span class="muted small">{h.position}.</span>
                          <A href={s.path(`/products/${h.productId}`)}>{h.title}</A>
                          <Show when={h.pinned}>
                            <Badge value="info" label={t('search.try.pinned')} />
                          </Show>
                          <Show when={!h.inStock}>
                            <Badge value="out" label={t('search.try.outOfStock')} />
                          </Show>
                        </div>
                        <div class="muted small">
                          {h.vendor ? `${h.vendor} · ` : ''}
                          {formatMoney(h.priceMin, s.currency(), locale())}
                          <Show when={explain() && h.score !== undefined}>
                            {' · '}
                            {t('search.try.score', { score: (h.score as number).toFixed(3) })}
                          </Show>
                        </div>
                        <Show when={explain() && h.explain}>
                          {(ex) => (
                            <div class="explain" data-testid="explain">
                              <For each={explainParts(ex())}>
                                {(p) => (
                                  <span class="explain-part" classList={{ zero: p.zero }}>
                                    {explainLabel(p.key)} <strong>{p.text}</strong>
                                  </span>
                                )}
                              </For>
                              <Show when={Array.isArray(ex().matched) && (ex().matched as unknown[]).length > 0}>
                                <span class="explain-part">
                                  {t('search.explain.matched')} <strong>{(ex().matched as (string | null)[]).map((m) => m ?? '—').join(', ')}</strong>
                                </span>
                              </Show>
                            </div>
                          )}
                        </Show>
                      </div>
                    </li>
                  )}
                </For>
              </ol>
            </Show>
          </div>
        )}
      </Show>
    </Card>
  );
}

// ---------------------------------------------------------------- synonyms

function SynonymsCard() {
  const s = useStore();
  const [list, { refetch }] = createResource(s.storeId, (id) => api.GET('/stores/{storeId}/search/synonyms', { params: { path: { storeId: id } } }));
  const [kind, setKind] = createSignal<'two_way' | 'one_way'>('two_way');
  const [terms, setTerms] = createSignal('');
  const [synonyms, setSynonyms] = createSignal('');
  const form = createFormState();
  const add = async (e: Event) => {
    e.preventDefault();
    const done = await form.submit(() =>
      api.POST('/stores/{storeId}/search/synonyms', {
        params: { path: { storeId: s.storeId() } },
        body: {
          kind: kind(),
          terms: splitList(terms()),
          ...(kind() === 'one_way' ? { synonyms: splitList(synonyms()) } : {}),
        },
      }),
    );
    if (done) {
      setTerms('');
      setSynonyms('');
      toast.success(t('search.syn.added'));
      refetch();
    }
  };
  const remove = async (syn: SearchSynonym) => {
    try {
      await api.DELETE('/stores/{storeId}/search/synonyms/{synonymId}', { params: { path: { storeId: s.storeId(), synonymId: syn.id } } });
      toast.success(t('search.syn.deleted'));
      refetch();
    } catch (e) {
      toast.error((e as Error).message);
    }
  };
  // API messages are English and terse ("at least 2"): explain them in the console's language.
  const termsError = () => {
    const raw = errorAt(form.errors(), 'terms');
    if (!raw) return undefined;
    return kind() === 'two_way' ? t('search.syn.needTwo') : t('search.syn.needTerms');
  };
  const synonymsError = () => (errorAt(form.errors(), 'synonyms') ? t('search.syn.needSynonyms') : undefined);
  return (
    <Card title={t('search.syn.title')} id="search-synonyms">
      <p class="muted small">{t('search.syn.hint')}</p>
      <Show when={!list.error} fallback={<Banner tone="critical">{(list.error as Error)?.message}</Banner>}>
        <Show when={list.latest} fallback={<SkeletonRows rows={2} cols={3} />}>
          <Show when={(list.latest?.data.length ?? 0) > 0} fallback={<p class="muted">{t('search.syn.none')}</p>}>
            <ul class="plain-list" data-testid="synonym-list">
              <For each={list.latest?.data ?? []}>
                {(syn) => (
                  <li class="plain-list-row">
                    <span class="grow">
                      <Badge
                        value={syn.kind === 'two_way' ? 'neutral' : 'info'}
                        label={syn.kind === 'two_way' ? t('search.syn.twoWay') : t('search.syn.oneWay')}
                      />{' '}
                      <span class="synonym-text">
                        {syn.kind === 'two_way' ? syn.terms.join(' ⇄ ') : `${syn.terms.join(', ')} → ${syn.synonyms.join(', ')}`}
                      </span>
                    </span>
                    <Show when={s.can('catalog:write')}>
                      <button
                        type="button"
                        class="button small danger"
                        aria-label={t('search.syn.deleteOne', { terms: syn.terms.join(', ') })}
                        onClick={() => remove(syn)}
                      >
                        {t('search.delete')}
                      </button>
                    </Show>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        </Show>
      </Show>
      <Show when={s.can('catalog:write')}>
        <form class="subform" onSubmit={add} novalidate>
          <fieldset class="segmented">
            <legend class="visually-hidden">{t('search.syn.kind')}</legend>
            <label>
              <input type="radio" name="syn-kind" checked={kind() === 'two_way'} onChange={() => setKind('two_way')} />
              <span>{t('search.syn.twoWay')}</span>
            </label>
            <label>
              <input type="radio" name="syn-kind" checked={kind() === 'one_way'} onChange={() => setKind('one_way')} />
              <span>{t('search.syn.oneWay')}</span>
            </label>
          </fieldset>
          <p class="muted small">{kind() === 'two_way' ? t('search.syn.twoWayHint') : t('search.syn.oneWayHint')}</p>
          <div class="inline-form">
            <Field id="syn-terms" label={kind() === 'two_way' ? t('search.syn.equivalent') : t('search.syn.whenTyped')} error={termsError()} class="grow">
              <input
                id="syn-terms"
                value={terms()}
                placeholder={kind() === 'two_way' ? 'sofa, couch, settee' : 'tee'}
                onInput={(e) => setTerms(e.currentTarget.value)}
                {...describedBy('syn-terms', termsError())}
              />
            </Field>
            <Show when={kind() === 'one_way'}>
              <span class="arrow" aria-hidden="true">
                →
              </span>
              <Field id="syn-synonyms" label={t('search.syn.alsoMatch')} error={synonymsError()} class="grow">
                <input
                  id="syn-synonyms"
                  value={synonyms()}
                  placeholder="t-shirt, shirt"
                  onInput={(e) => setSynonyms(e.currentTarget.value)}
                  {...describedBy('syn-synonyms', synonymsError())}
                />
              </Field>
            </Show>
            <button type="submit" class="button primary" disabled={form.busy()}>
              {t('search.syn.add')}
            </button>
          </div>
          <Show when={form.formError() && !termsError() && !synonymsError()}>
            <p class="field-error" role="alert">
              {form.formError()}
            </p>
          </Show>
        </form>
      </Show>
    </Card>
  );
}

// ---------------------------------------------------------------- pins

function PinsCard() {
  const s = useStore();
  const [pins, { refetch }] = createResource(s.storeId, async (id) => {
    const r = await api.GET('/stores/{storeId}/search/pins', { params: { path: { storeId: id } } });
    // Titles for the listed products (pins are few; a deleted product shows its id).
    const ids = [...new Set(r.data.map((p) => p.productId))];
    const titles = new Map<string, string>();
    await Promise.all(
      ids.map((pid) =>
        api
          .GET('/stores/{storeId}/products/{productId}', { params: { path: { storeId: id, productId: pid } } })
          .then((p) => titles.set(pid, p.title))
          .catch(() => {}),
      ),
    );
    return r.data.map((p) => ({ ...p, title: titles.get(p.productId) ?? null }));
  });
  const [query, setQuery] = createSignal('');
  const [product, setProduct] = createSignal<Product | null>(null);
  const form = createFormState();
  const add = async (e: Event) => {
    e.preventDefault();
    const p = product();
    if (!p) {
      form.setErrors({ productId: t('search.pins.pickProduct') });
      return;
    }
    const done = await form.submit(() =>
      api.POST('/stores/{storeId}/search/pins', { params: { path: { storeId: s.storeId() } }, body: { query: query(), productId: p.id } }),
    );
    if (done) {
      setQuery('');
      toast.success(t('search.pins.added', { title: p.title, query: done.query }));
      refetch();
    }
  };
  const remove = async (pin: SearchPin) => {
    try {
      await api.DELETE('/stores/{storeId}/search/pins/{pinId}', { params: { path: { storeId: s.storeId(), pinId: pin.id } } });
      toast.success(t('search.pins.deleted'));
      refetch();
    } catch (e) {
      toast.error((e as Error).message);
    }
  };
  return (
    <Card title={t('search.pins.title')} id="search-pins">
      <p class="muted small">{t('search.pins.hint')}</p>
      <Show when={pins.latest} fallback={<SkeletonRows rows={2} cols={3} />}>
        <Show when={(pins.latest?.length ?? 0) > 0} fallback={<p class="muted">{t('search.pins.none')}</p>}>
          <ul class="plain-list" data-testid="pin-list">
            <For each={pins.latest ?? []}>
              {(pin) => (
                <li class="plain-list-row">
                  <span class="grow">
                    <code>{pin.query}</code> → <A href={s.path(`/products/${pin.productId}`)}>{pin.title ?? pin.productId}</A>
                  </span>
                  <Show when={s.can('catalog:write')}>
                    <button type="button" class="button small danger" aria-label={t('search.pins.deleteOne', { query: pin.query })} onClick={() => remove(pin)}>
                      {t('search.delete')}
                    </button>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
      <Show when={s.can('catalog:write')}>
        <form class="subform inline-form" onSubmit={add} novalidate>
          <Field id="pin-query" label={t('search.pins.query')} error={errorAt(form.errors(), 'query')} class="grow">
            <input
              id="pin-query"
              value={query()}
              onInput={(e) => setQuery(e.currentTarget.value)}
              {...describedBy('pin-query', errorAt(form.errors(), 'query'))}
            />
          </Field>
          <ProductPicker
            id="pin-product"
            label={t('search.pins.product')}
            onPick={setProduct}
            selected={product()}
            error={errorAt(form.errors(), 'productId')}
          />
          <button type="submit" class="button primary" disabled={form.busy()}>
            {t('search.pins.add')}
          </button>
        </form>
        <Show when={form.formError()}>
          <p class="field-error" role="alert">
            {form.formError()}
          </p>
        </Show>
      </Show>
    </Card>
  );
}

// ---------------------------------------------------------------- settings

function SettingsCard() {
  const s = useStore();
  const [loaded, { mutate }] = createResource(s.storeId, (id) => api.GET('/stores/{storeId}/search/settings', { params: { path: { storeId: id } } }));
  const [stopWords, setStopWords] = createSignal<string | null>(null);
  const [boost, setBoost] = createSignal<string | null>(null);
  const [conflict, setConflict] = createSignal(false);
  const form = createFormState();
  const stopWordsText = () => stopWords() ?? loaded()?.stopWords.join(', ') ?? '';
  const boostText = () => boost() ?? String(loaded()?.inStockBoost ?? 0);
  const dirty = () => stopWords() !== null || boost() !== null;
  const save = async (e?: Event) => {
    e?.preventDefault();
    const base = loaded();
    if (!base) return;
    const n = Number(boostText());
    const body = { stopWords: splitList(stopWordsText()), inStockBoost: Number.isFinite(n) && boostText().trim() !== '' ? n : Number.NaN };
    if (Number.isNaN(body.inStockBoost)) {
      form.setErrors({ inStockBoost: t('search.settings.boostInvalid') });
      return;
    }
    setConflict(false);
    const attempt = (version: number) =>
      api.PATCH('/stores/{storeId}/search/settings', { params: { path: { storeId: s.storeId() } }, body: { ...body, version } });
    const saved = await form.submit(
      async () => {
        try {
          return await attempt(base.version);
        } catch (err) {
          // Synonyms and pins bump the same version: when the settings themselves are as we loaded them, save on the new version.
          if (!(err instanceof ApiError) || err.status !== 409) throw err;
          const now = await api.GET('/stores/{storeId}/search/settings', { params: { path: { storeId: s.storeId() } } });
          if (now.inStockBoost === base.inStockBoost && now.stopWords.join('\n') === base.stopWords.join('\n')) return attempt(now.version);
          throw err;
        }
      },
      {
        onError: (err) => {
          if (err.status !== 409) return false;
          setConflict(true);
          return true;
        },
      },
    );
    if (saved) {
      mutate(saved);
      setStopWords(null);
      setBoost(null);
      toast.success(t('search.settings.saved'));
    }
  };
  const reload = async () => {
    const now = await api.GET('/stores/{storeId}/search/settings', { params: { path: { storeId: s.storeId() } } });
    mutate(now);
    setStopWords(null);
    setBoost(null);
    setConflict(false);
  };
  const readOnly = () => !s.can('catalog:write');
  return (
    <Card title={t('search.settings.title')} id="search-settings">
      <Show when={loaded.latest} fallback={<SkeletonRows rows={2} cols={2} />}>
        <form onSubmit={save} novalidate>
          <Show when={conflict()}>
            <Banner tone="warning" title={t('search.settings.conflictTitle')}>
              <p>{t('search.settings.conflictBody')}</p>
              <button type="button" class="button small" onClick={reload}>
                {t('search.settings.reload')}
              </button>
            </Banner>
          </Show>
          <Field id="stop-words" label={t('search.settings.stopWords')} hint={t('search.settings.stopWordsHint')} error={errorAt(form.errors(), 'stopWords')}>
            <textarea
              id="stop-words"
              rows={3}
              value={stopWordsText()}
              disabled={readOnly()}
              onInput={(e) => setStopWords(e.currentTarget.value)}
              {...describedBy('stop-words', errorAt(form.errors(), 'stopWords'), t('search.settings.stopWordsHint'))}
            />
          </Field>
          <Field id="in-stock-boost" label={t('search.settings.boost')} hint={t('search.settings.boostHint')} error={errorAt(form.errors(), 'inStockBoost')}>
            <input
              id="in-stock-boost"
              type="number"
              step="0.05"
              min="0"
              max="10"
              class="qty-input"
              value={boostText()}
              disabled={readOnly()}
              onInput={(e) => setBoost(e.currentTarget.value)}
              {...describedBy('in-stock-boost', errorAt(form.errors(), 'inStockBoost'), t('search.settings.boostHint'))}
            />
          </Field>
          <Show when={form.formError() && !conflict()}>
            <p class="field-error" role="alert">
              {form.formError()}
            </p>
          </Show>
          <Show when={!readOnly()}>
            <div class="form-actions">
              <button type="submit" class="button primary" disabled={form.busy() || !dirty()}>
                {t('common.save')}
              </button>
            </div>
          </Show>
        </form>
      </Show>
    </Card>
  );
}

// ---------------------------------------------------------------- analytics

function AnalyticsCard() {
  const s = useStore();
  const [days, setDays] = createSignal(30);
  const [data] = createResource(
    () => ({ id: s.storeId(), days: days() }),
    (k) => api.GET('/stores/{storeId}/search/analytics', { params: { path: { storeId: k.id }, query: { days: k.days } } }),
  );
  return (
    <Card
      title={t('search.analytics.title')}
      id="search-analytics"
      actions={
        <fieldset class="segmented small">
          <legend class="visually-hidden">{t('search.analytics.period')}</legend>
          <For each={[7, 30, 90]}>
            {(d) => (
              <label>
                <input type="radio" name="analytics-days" checked={days() === d} onChange={() => setDays(d)} />
                <span>{t('search.analytics.days', { count: d })}</span>
              </label>
            )}
          </For>
        </fieldset>
      }
    >
      <Show when={!data.error} fallback={<Banner tone="critical">{(data.error as Error)?.message}</Banner>}>
        <Show when={data.latest} fallback={<SkeletonRows rows={3} cols={3} />}>
          {(a) => (
            <div classList={{ 'is-refreshing': data.loading }}>
              <div class="stats wrap">
                <div>
                  <span class="stat-value">{formatNumber(a().searches, locale())}</span>
                  <span class="muted small">{t('search.analytics.searches')}</span>
                </div>
                <div>
                  <span class="stat-value">{formatNumber(a().zeroResultSearches, locale())}</span>
                  <span class="muted small">{t('search.analytics.zero')}</span>
                </div>
                <div>
                  <span class="stat-value" data-testid="overall-ctr">
                    {percent(a().clickThroughRate)}
                  </span>
                  <span class="muted small">{t('search.analytics.ctr')}</span>
                </div>
                <div>
                  <span class="stat-value">{a().averageClickPosition === null ? '—' : (a().averageClickPosition as number).toFixed(1)}</span>
                  <span class="muted small">{t('search.analytics.avgPosition')}</span>
                </div>
              </div>
              <div class="grid-2 analytics-tables">
                <div>
                  <h3 class="subheading">{t('search.analytics.top')}</h3>
                  <Show when={a().topQueries.length > 0} fallback={<p class="muted small">{t('search.analytics.noSearches')}</p>}>
                    <div class="table-wrap">
                      <table class="table">
                        <thead>
                          <tr>
                            <th>{t('search.analytics.query')}</th>
                            <th class="num">{t('search.analytics.count')}</th>
                            <th class="num hide-phone">{t('search.analytics.results')}</th>
                            <th class="num">{t('search.analytics.ctrShort')}</th>
                          </tr>
                        </thead>
                        <tbody>
                          <For each={a().topQueries}>
                            {(r) => (
                              <tr>
                                <td>{r.query}</td>
                                <td class="num">{formatNumber(r.searches, locale())}</td>
                                <td class="num hide-phone">{formatNumber(r.results, locale())}</td>
                                <td class="num">{percent(r.clickThroughRate)}</td>
                              </tr>
                            )}
                          </For>
                        </tbody>
                      </table>
                    </div>
                  </Show>
                </div>
                <div>
                  <h3 class="subheading">{t('search.analytics.zeroQueries')}</h3>
                  <Show when={a().zeroResultQueries.length > 0} fallback={<p class="muted small">{t('search.analytics.noZero')}</p>}>
                    <div class="table-wrap">
                      <table class="table">
                        <thead>
                          <tr>
                            <th>{t('search.analytics.query')}</th>
                            <th class="num">{t('search.analytics.count')}</th>
                          </tr>
                        </thead>
                        <tbody>
                          <For each={a().zeroResultQueries}>
                            {(r) => (
                              <tr>
                                <td>{r.query}</td>
                                <td class="num">{formatNumber(r.searches, locale())}</td>
                              </tr>
                            )}
                          </For>
                        </tbody>
                      </table>
                    </div>
                  </Show>
                </div>
              </div>
            </div>
          )}
        </Show>
      </Show>
    </Card>
  );
}

export default function SearchPage() {
  const s = useStore();
  return (
    <div class="page">
      <PageHeader title={t('search.title')} subtitle={t('search.subtitle')} />
      <Show when={!s.can('catalog:write')}>
        <Banner tone="info">{t('search.readOnly')}</Banner>
      </Show>
      <IndexCard />
      <TryQueryCard />
      <SynonymsCard />
      <PinsCard />
      <SettingsCard />
      <AnalyticsCard />
    </div>
  );
}
