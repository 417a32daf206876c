import { createResource, createSignal, For, onCleanup, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, EmptyState, PageHeader, ProgressBar, SkeletonRows } from '../components/ui.tsx';
import { locale, t, tn } from '../i18n/index.ts';
import { api, rawBody, type ImportPreview, type ImportRecord, type ImportRowIssue } from '../lib/api.ts';
import { formatDateTime, formatNumber } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

/** Rows of an import (or of its preview) with a problem: file row, handle, what happened. */
function IssueTable(props: { issues: ImportRowIssue[] }) {
  return (
    <div class="table-wrap">
      <table class="table">
        <thead>
          <tr>
            <th class="num">{t('import.row')}</th>
            <th>{t('import.handle')}</th>
            <th>{t('import.problem')}</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.issues}>
            {(e) => (
              <tr>
                <td class="num">{e.row}</td>
                <td class="break-word">{e.handle ?? '—'}</td>
                <td class="break-word">
                  <code>{e.code}</code> {e.message}
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  );
}

export default function ImportPage() {
  const s = useStore();
  const [current, setCurrent] = createSignal<ImportRecord | null>(null);
  const [pending, setPending] = createSignal<{ file: File; csv: string; preview: ImportPreview } | null>(null);
  const [busy, setBusy] = createSignal<'checking' | 'uploading' | null>(null);
  const [history, { refetch }] = createResource(s.storeId, (id) => api.GET('/stores/{storeId}/imports', { params: { path: { storeId: id } } }));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let fileInput: HTMLInputElement | undefined;
  onCleanup(() => clearTimeout(timer));

  // The import's row counters are the job's progress: poll until it settles; the history follows each change of state.
  const poll = async (id: string) => {
    clearTimeout(timer);
    try {
      const prev = current();
      const wasActive = prev?.id === id && (prev.status === 'queued' || prev.status === 'running');
      const rec = await api.GET('/stores/{storeId}/imports/{importId}', { params: { path: { storeId: s.storeId(), importId: id } } });
      setCurrent(rec);
      if (rec.status !== prev?.status) refetch();
      if (rec.status === 'queued' || rec.status === 'running') timer = setTimeout(() => poll(id), 700);
      // Announce only the end of an import watched while it ran (not one opened from the history).
      else if (!wasActive) return;
      else if (rec.status === 'completed')
        toast.success(t('import.finished', { created: rec.createdCount, updated: rec.updatedCount, errors: rec.errorCount }));
      else toast.error(t('import.failed'));
    } catch (e) {
      toast.error((e as Error).message);
    }
  };

  // Step 1: a dry run of the file, so the merchant sees counts, warnings and errors before anything is written.
  const check = async (file: File | undefined) => {
    if (!file) return;
    setBusy('checking');
    setCurrent(null);
    try {
      const csv = await file.text();
      const preview = await api.POST('/stores/{storeId}/imports/preview', { params: { path: { storeId: s.storeId() } }, body: csv, ...rawBody('text/csv') });
      setPending({ file, csv, preview });
    } catch (e) {
      toast.error((e as Error).message);
    } finally {
      setBusy(null);
      if (fileInput) fileInput.value = '';
    }
  };

  // Step 2: the import itself, queued as a job; it shows in the history at once.
  const start = async () => {
    const p = pending();
    if (!p) return;
    setBusy('uploading');
    try {
      const rec = await api.POST('/stores/{storeId}/imports', {
        params: { path: { storeId: s.storeId() }, query: { filename: p.file.name } },
        body: p.csv,
        ...rawBody('text/csv'),
      });
      setPending(null);
      setCurrent(rec);
      refetch();
      void poll(rec.id);
    } catch (e) {
      toast.error((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  const importable = (p: ImportPreview) => p.createCount + p.updateCount;

  return (
    <div class="page page-narrow">
      <PageHeader title={t('import.title')} subtitle={t('import.subtitle')} back={{ href: s.path('/products'), label: t('products.title') }} />
      <Card>
        <label
          class="dropzone"
          onDragOver={(e) => e.preventDefault()}
          onDrop={(e) => {
            e.preventDefault();
            void check(e.dataTransfer?.files[0]);
          }}
        >
          <strong>{busy() === 'checking' ? t('import.previewing') : t('import.choose')}</strong>
          <span class="muted small">{t('import.formatHint')}</span>
          <input
            ref={fileInput}
            type="file"
            accept=".csv,text/csv"
            class="visually-hidden"
            data-testid="csv-input"
            onChange={(e) => void check(e.currentTarget.files?.[0])}
          />
        </label>
        <p class="small">
          <a href={`/api/v1/stores/${s.storeId()}/imports/template`} download="product-import-template.csv">
            {t('import.template')}
          </a>
        </p>
      </Card>
      <Show when={pending()}>
        {(p) => (
          <Card title={t('import.previewTitle')} id="import-preview">
            <p class="muted small break-word">{p().file.name}</p>
            <ul class="preview-counts">
              <li>{tn('import.preview.create', p().preview.createCount)}</li>
              <li>{tn('import.preview.update', p().preview.updateCount)}</li>
              <li>{tn('import.preview.variants', p().preview.variantCount)}</li>
              <li>{tn('import.preview.images', p().preview.imageCount)}</li>
            </ul>
            <Show when={p().preview.errors.length > 0}>
              <Banner tone="critical" title={t('import.previewErrors')}>
                {importable(p().preview) === 0 ? t('import.nothingToImport') : t('import.errorReportBody')}
              </Banner>
              <IssueTable issues={p().preview.errors} />
            </Show>
            <Show when={p().preview.warnings.length > 0}>
              <Banner tone="warning" title={t('import.previewWarnings')}>
                {t('import.previewWarningsBody')}
              </Banner>
              <IssueTable issues={p().preview.warnings} />
            </Show>
            <div class="form-actions wrap">
              <button type="button" class="button" onClick={() => setPending(null)}>
                {t('import.chooseAnother')}
              </button>
              <button type="button" class="button primary" disabled={busy() !== null || importable(p().preview) === 0} onClick={() => void start()}>
                {busy() === 'uploading' ? t('import.uploading') : tn('import.start', importable(p().preview))}
              </button>
            </div>
          </Card>
        )}
      </Show>
      <Show when={current()}>
        {(rec) => (
          <Card title={rec().filename ?? t('import.current')} actions={<Badge value={rec().status} />} id="current-import">
            <ProgressBar value={rec().progress} label={t('import.progress')} />
            <p class="muted small">
              {rec().status === 'queued'
                ? t('import.queuedHint')
                : t('import.rows', { processed: formatNumber(rec().processedRows, locale()), total: rec().totalRows })}
            </p>
            <div class="stats">
              <div>
                <span class="stat-value">{formatNumber(rec().createdCount, locale())}</span>
                <span class="muted small">{t('import.created')}</span>
              </div>
              <div>
                <span class="stat-value">{formatNumber(rec().updatedCount, locale())}</span>
                <span class="muted small">{t('import.updated')}</span>
              </div>
              <div>
                <span class="stat-value" classList={{ 'text-critical': rec().errorCount > 0 }}>
                  {formatNumber(rec().errorCount, locale())}
                </span>
                <span class="muted small">{t('import.errors')}</span>
              </div>
              <div>
                <span class="stat-value">{formatNumber(rec().warningCount ?? 0, locale())}</span>
                <span class="muted small">{t('import.warnings')}</span>
              </div>
            </div>
            <Show when={rec().errors.length > 0}>
              <Banner tone="warning" title={t('import.errorReport')}>
                {t('import.errorReportBody')}
              </Banner>
              <IssueTable issues={rec().errors} />
            </Show>
            <Show when={(rec().warnings ?? []).length > 0}>
              <Banner tone="info" title={t('import.warningReport')}>
                {t('import.warningReportBody')}
              </Banner>
              <IssueTable issues={rec().warnings} />
            </Show>
          </Card>
        )}
      </Show>
      <Card title={t('import.history')} id="history">
        <Show when={!history.loading || history()} fallback={<SkeletonRows rows={3} />}>
          <Show when={(history()?.data.length ?? 0) > 0} fallback={<EmptyState icon="import" title={t('import.noneTitle')} body={t('import.noneBody')} />}>
            <div class="table-wrap">
              <table class="table">
                <thead>
                  <tr>
                    <th>{t('import.file')}</th>
                    <th>{t('import.status')}</th>
                    <th class="num">{t('import.created')}</th>
                    <th class="num">{t('import.updated')}</th>
                    <th class="num">{t('import.errors')}</th>
                    <th class="hide-phone">{t('import.started')}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={history()?.data ?? []}>
                    {(r) => (
                      <tr class="clickable" onClick={() => void poll(r.id)}>
                        <td class="break-word">{r.filename ?? '—'}</td>
                        <td>
                          <Badge value={r.status} />
                        </td>
                        <td class="num">{r.createdCount}</td>
                        <td class="num">{r.updatedCount}</td>
                        <td class="num">{r.errorCount}</td>
                        <td class="hide-phone">{formatDateTime(r.createdAt, locale())}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        </Show>
      </Card>
    </div>
  );
}
