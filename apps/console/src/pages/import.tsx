import { createResource, createSignal, For, onCleanup, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Badge, Banner, Card, EmptyState, PageHeader, ProgressBar, SkeletonRows } from '../components/ui.tsx';
import { locale, t } from '../i18n/index.ts';
import { api, type ImportRecord } from '../lib/api.ts';
import { formatDateTime, formatNumber } from '../lib/format.ts';
import { useStore } from '../lib/store-context.ts';

export default function ImportPage() {
  const s = useStore();
  const [current, setCurrent] = createSignal<ImportRecord | null>(null);
  const [uploading, setUploading] = createSignal(false);
  const [history, { refetch }] = createResource(s.storeId, (id) => api.get<{ data: ImportRecord[] }>(`/stores/${id}/imports`));
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));

  // The import's row counters are the job's progress: poll until it settles.
  const poll = async (id: string) => {
    try {
      const rec = await api.get<ImportRecord>(`/stores/${s.storeId()}/imports/${id}`);
      setCurrent(rec);
      if (rec.status === 'queued' || rec.status === 'running') timer = setTimeout(() => poll(id), 700);
      else {
        refetch();
        if (rec.status === 'completed') toast.success(t('import.finished', { created: rec.createdCount, updated: rec.updatedCount, errors: rec.errorCount }));
        else toast.error(t('import.failed'));
      }
    } catch (e) {
      toast.error((e as Error).message);
    }
  };

  const upload = async (file: File | undefined) => {
    if (!file) return;
    setUploading(true);
    try {
      const rec = await api.post<ImportRecord>(`/stores/${s.storeId()}/imports`, undefined, {
        raw: { data: await file.text(), contentType: 'text/csv' },
        query: { filename: file.name },
      });
      setCurrent(rec);
      void poll(rec.id);
    } catch (e) {
      toast.error((e as Error).message);
    } finally {
      setUploading(false);
    }
  };

  return (
    <div class="page page-narrow">
      <PageHeader title={t('import.title')} subtitle={t('import.subtitle')} back={{ href: s.path('/products'), label: t('products.title') }} />
      <Card>
        <label
          class="dropzone"
          onDragOver={(e) => e.preventDefault()}
          onDrop={(e) => {
            e.preventDefault();
            void upload(e.dataTransfer?.files[0]);
          }}
        >
          <strong>{uploading() ? t('import.uploading') : t('import.choose')}</strong>
          <span class="muted small">{t('import.formatHint')}</span>
          <input type="file" accept=".csv,text/csv" class="visually-hidden" data-testid="csv-input" onChange={(e) => void upload(e.currentTarget.files?.[0])} />
        </label>
      </Card>
      <Show when={current()}>
        {(rec) => (
          <Card title={rec().filename ?? t('import.current')} actions={<Badge value={rec().status} />} id="current-import">
            <ProgressBar value={rec().progress} label={t('import.progress')} />
            <p class="muted small">
              {t('import.rows', { processed: formatNumber(rec().processedRows, locale()), total: formatNumber(rec().totalRows, locale()) })}
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
            </div>
            <Show when={rec().errors.length > 0}>
              <Banner tone="warning" title={t('import.errorReport')}>
                {t('import.errorReportBody')}
              </Banner>
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
                    <For each={rec().errors}>
                      {(e) => (
                        <tr>
                          <td class="num">{e.row}</td>
                          <td>{e.handle ?? '—'}</td>
                          <td>
                            <code>{e.code}</code> {e.message}
                          </td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </Show>
          </Card>
        )}
      </Show>
      <Card title={t('import.history')} id="history">
        <Show when={!history.loading} fallback={<SkeletonRows rows={3} />}>
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
                      <tr class="clickable" onClick={() => setCurrent(r)}>
                        <td>{r.filename ?? '—'}</td>
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
