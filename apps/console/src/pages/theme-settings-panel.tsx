/**
 * The theme editor's "Theme settings" panel (issue 20): colours, typography, spacing, buttons and the favicon of
 * the whole store, drafted like layouts. Edits are saved as the draft after a pause (with the draft's version; a
 * 409 reloads it and says so), the preview iframe reloads to show them, and the editor's Publish publishes them
 * with the template. Colour pairs below WCAG AA are flagged as the merchant picks them (the same check the API
 * reports, from @storeloom/theme).
 */
import {
  BUTTON_RADIUS,
  BUTTON_STYLES,
  type ContrastWarning,
  FONT_SCALE,
  THEME_DENSITIES,
  THEME_FONTS,
  type ThemeSettings,
  themeContrastWarnings,
} from '@storeloom/theme';
import { createResource, createSignal, For, onCleanup, Show } from 'solid-js';
import { toast } from '../components/toast.tsx';
import { Banner, Field } from '../components/ui.tsx';
import { type MessageKey, t } from '../i18n/index.ts';
import { ApiError, api, upload } from '../lib/api.ts';
import { useStore } from '../lib/store-context.ts';

const AUTOSAVE_MS = 800;
const COLOURS = ['primaryColor', 'accentColor', 'backgroundColor', 'textColor'] as const;
type Draftable = Omit<ThemeSettings, 'logoUrl'>;

/** What the editor's Publish needs from the panel: pending edits saved, then the draft published. */
export interface ThemeSettingsHandle {
  flushAndPublish(): Promise<void>;
}

export function ThemeSettingsPanel(props: { onSaved: () => void; ref: (h: ThemeSettingsHandle) => void }) {
  const s = useStore();
  const [values, setValues] = createSignal<ThemeSettings | null>(null);
  const [version, setVersion] = createSignal(0);
  const [problems, setProblems] = createSignal<{ path: string; message: string }[]>([]);
  const [uploading, setUploading] = createSignal(false);
  let pending: Partial<Draftable> = {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | null = null;

  const load = async (storeId: string) => {
    const r = await api.GET('/stores/{storeId}/theme/settings', { params: { path: { storeId } } });
    setValues(r.draft as ThemeSettings);
    setVersion(r.version);
    return r;
  };
  const [view] = createResource(() => s.storeId(), load);

  const save = async (): Promise<void> => {
    if (inFlight) await inFlight;
    clearTimeout(timer);
    const settings = pending;
    if (Object.keys(settings).length === 0) return;
    pending = {};
    inFlight = (async () => {
      try {
        const r = await api.PUT('/stores/{storeId}/theme/settings/draft', {
          params: { path: { storeId: s.storeId() } },
          body: { settings, expectedVersion: version() },
        });
        setVersion(r.version);
        setProblems([]);
        props.onSaved();
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          toast.error(t('theme.settingsConflict'));
          await load(s.storeId());
        } else if (err instanceof ApiError && err.status === 422) {
          setProblems(((err.details ?? []) as { path: string; message: string }[]).filter((p) => typeof p?.path === 'string'));
        } else toast.error((err as Error).message);
      } finally {
        inFlight = null;
      }
    })();
    await inFlight;
  };
  onCleanup(() => {
    clearTimeout(timer);
    void save();
  });

  const set = <K extends keyof Draftable>(key: K, value: Draftable[K]) => {
    const v = values();
    if (!v) return;
    setValues({ ...v, [key]: value });
    pending = { ...pending, [key]: value };
    clearTimeout(timer);
    timer = setTimeout(() => void save(), AUTOSAVE_MS);
  };

  props.ref({
    async flushAndPublish() {
      await save();
      const r = await api.POST('/stores/{storeId}/theme/settings/publish', { params: { path: { storeId: s.storeId() } } });
      setVersion(r.version);
    },
  });

  const uploadFavicon = async (file: File | undefined) => {
    if (!file) return;
    setUploading(true);
    try {
      await save();
      const form = new FormData();
      form.set('file', file);
      const r = await upload('/stores/{storeId}/theme/settings/favicon', { params: { path: { storeId: s.storeId() } } }, form);
      setValues(r.draft as ThemeSettings);
      setVersion(r.version);
      props.onSaved();
      toast.success(t('theme.faviconUploaded'));
    } catch (e) {
      toast.error((e as Error).message);
    } finally {
      setUploading(false);
    }
  };

  const discard = async () => {
    if (!window.confirm(t('theme.discardSettingsConfirm'))) return;
    clearTimeout(timer);
    pending = {};
    if (inFlight) await inFlight;
    try {
      const r = await api.POST('/stores/{storeId}/theme/settings/discard', {
        params: { path: { storeId: s.storeId() } },
        body: { expectedVersion: version() },
      });
      setValues(r.draft as ThemeSettings);
      setVersion(r.version);
      setProblems([]);
      props.onSaved();
      toast.success(t('theme.settingsDiscarded'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        toast.error(t('theme.settingsConflict'));
        await load(s.storeId());
      } else toast.error((err as Error).message);
    }
  };

  const warnings = (): ContrastWarning[] => {
    const v = values();
    return v ? themeContrastWarnings(v) : [];
  };
  const problemOf = (key: string) => problems().find((p) => p.path === `settings.${key}`)?.message;
  const warningFor = (key: (typeof COLOURS)[number]) =>
    warnings().filter(
      (w) =>
        (w.pair === 'text' && (key === 'textColor' || key === 'backgroundColor')) ||
        (w.pair === 'button' && (key === 'primaryColor' || key === 'backgroundColor')) ||
        (w.pair === 'accent' && (key === 'accentColor' || key === 'backgroundColor')),
    );

  return (
    <section class="theme-settings-panel" aria-labelledby="theme-settings-title" data-testid="theme-settings-panel">
      <h2 class="panel-title" id="theme-settings-title">
        {t('theme.themeSettings')}
      </h2>
      <p class="small muted">{t('theme.themeSettingsHint')}</p>
      <Show when={view.error}>
        <Banner tone="critical">{(view.error as Error).message}</Banner>
      </Show>
      <Show when={values()}>
        {(v) => (
          <>
            <Show when={warnings().length > 0}>
              <div data-testid="theme-contrast">
                <Banner tone="warning" title={t('theme.contrastTitle')}>
                  <ul class="small">
                    <For each={warnings()}>
                      {(w) => <li>{t(`theme.contrast.${w.pair}` as MessageKey, { ratio: w.ratio.toFixed(2), minimum: String(w.minimum) })}</li>}
                    </For>
                  </ul>
                </Banner>
              </div>
            </Show>
            <fieldset class="theme-fieldset">
              <legend>{t('theme.colours')}</legend>
              <For each={[...COLOURS]}>
                {(key) => {
                  const id = `theme-${key}`;
                  const low = () => warningFor(key).length > 0;
                  return (
                    <Field id={id} label={t(`settings.${key}` as MessageKey)} error={problemOf(key)}>
                      <div class="color-input">
                        <input
                          id={id}
                          type="color"
                          value={v()[key]}
                          onInput={(e) => set(key, e.currentTarget.value)}
                          aria-describedby={low() ? `${id}-low` : undefined}
                        />
                        <input
                          aria-label={t('theme.hexOf', { label: t(`settings.${key}` as MessageKey) })}
                          value={v()[key]}
                          maxLength={7}
                          onChange={(e) => set(key, e.currentTarget.value.trim())}
                        />
                      </div>
                      <Show when={low()}>
                        <p class="small contrast-warn" id={`${id}-low`}>
                          {t('theme.lowContrastPair')}
                        </p>
                      </Show>
                    </Field>
                  );
                }}
              </For>
            </fieldset>
            <fieldset class="theme-fieldset">
              <legend>{t('theme.typography')}</legend>
              <Field id="theme-headingFont" label={t('theme.headingFont')} error={problemOf('headingFont')}>
                <select id="theme-headingFont" value={v().headingFont} onChange={(e) => set('headingFont', e.currentTarget.value as Draftable['headingFont'])}>
                  <For each={[...THEME_FONTS]}>{(f) => <option value={f}>{t(`settings.font.${f}` as MessageKey)}</option>}</For>
                </select>
              </Field>
              <Field id="theme-font" label={t('theme.bodyFont')} error={problemOf('font')}>
                <select id="theme-font" value={v().font} onChange={(e) => set('font', e.currentTarget.value as Draftable['font'])}>
                  <For each={[...THEME_FONTS]}>{(f) => <option value={f}>{t(`settings.font.${f}` as MessageKey)}</option>}</For>
                </select>
              </Field>
              <Field id="theme-fontScale" label={t('theme.fontScale', { value: String(v().fontScale) })} error={problemOf('fontScale')}>
                <input
                  id="theme-fontScale"
                  type="range"
                  min={FONT_SCALE.min}
                  max={FONT_SCALE.max}
                  step={FONT_SCALE.step}
                  value={v().fontScale}
                  aria-valuetext={`${v().fontScale}%`}
                  onInput={(e) => set('fontScale', Number(e.currentTarget.value))}
                />
              </Field>
            </fieldset>
            <fieldset class="theme-fieldset">
              <legend>{t('theme.layoutAndButtons')}</legend>
              <Field id="theme-density" label={t('theme.density')} error={problemOf('density')}>
                <select id="theme-density" value={v().density} onChange={(e) => set('density', e.currentTarget.value as Draftable['density'])}>
                  <For each={[...THEME_DENSITIES]}>{(d) => <option value={d}>{t(`theme.density.${d}` as MessageKey)}</option>}</For>
                </select>
              </Field>
              <Field id="theme-buttonStyle" label={t('theme.buttonStyle')} error={problemOf('buttonStyle')}>
                <select id="theme-buttonStyle" value={v().buttonStyle} onChange={(e) => set('buttonStyle', e.currentTarget.value as Draftable['buttonStyle'])}>
                  <For each={[...BUTTON_STYLES]}>{(b) => <option value={b}>{t(`theme.buttonStyle.${b}` as MessageKey)}</option>}</For>
                </select>
              </Field>
              <Field id="theme-buttonRadius" label={t('theme.buttonRadius', { value: String(v().buttonRadius) })} error={problemOf('buttonRadius')}>
                <input
                  id="theme-buttonRadius"
                  type="range"
                  min={BUTTON_RADIUS.min}
                  max={BUTTON_RADIUS.max}
                  step={1}
                  value={v().buttonRadius}
                  aria-valuetext={`${v().buttonRadius} px`}
                  onInput={(e) => set('buttonRadius', Number(e.currentTarget.value))}
                />
              </Field>
              <span
                class="theme-button-sample"
                style={{ 'border-radius': `${v().buttonRadius}px` }}
                classList={{ outline: v().buttonStyle === 'outline' }}
                aria-hidden="true"
              >
                {t('theme.buttonSample')}
              </span>
            </fieldset>
            <fieldset class="theme-fieldset">
              <legend>{t('theme.favicon')}</legend>
              <Show when={v().faviconUrl}>{(u) => <img class="favicon-preview" src={u()} alt={t('theme.faviconCurrent')} width="32" height="32" />}</Show>
              <Field id="theme-favicon" label={t('theme.faviconUpload')} hint={t('theme.faviconHint')}>
                <input
                  id="theme-favicon"
                  type="file"
                  accept="image/png,image/gif,image/webp,image/jpeg"
                  disabled={uploading()}
                  onChange={(e) => void uploadFavicon(e.currentTarget.files?.[0])}
                />
              </Field>
              <Show when={v().faviconUrl}>
                <button type="button" class="button small" onClick={() => set('faviconUrl', null)}>
                  {t('theme.faviconRemove')}
                </button>
              </Show>
            </fieldset>
            <button type="button" class="button small" data-testid="theme-settings-discard" onClick={() => void discard()}>
              {t('theme.discardSettings')}
            </button>
          </>
        )}
      </Show>
    </section>
  );
}
