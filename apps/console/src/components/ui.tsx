import { A } from '@solidjs/router';
import { type Accessor, batch, createEffect, createSignal, For, type JSX, onCleanup, type ParentProps, Show } from 'solid-js';
import { type MessageKey, t } from '../i18n/index.ts';
import { Icon, type IconName } from './icons.tsx';

/** A labelled form control with its hint and its error (announced and linked by aria-describedby). */
export function Field(props: ParentProps<{ id: string; label: string; error?: string | undefined; hint?: string | undefined; class?: string }>) {
  return (
    <div class={`field ${props.class ?? ''}`} classList={{ 'has-error': !!props.error }}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      <Show when={props.hint && !props.error}>
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      </Show>
      <Show when={props.error}>
        <p class="field-error" id={`${props.id}-error`} role="alert">
          {props.error}
        </p>
      </Show>
    </div>
  );
}

/** aria attributes for an input inside a Field. */
export const describedBy = (id: string, error?: string, hint?: string) => ({
  'aria-invalid': error ? ('true' as const) : undefined,
  'aria-describedby': error ? `${id}-error` : hint ? `${id}-hint` : undefined,
});

export function PageHeader(props: { title: string; subtitle?: string | undefined; back?: { href: string; label: string }; actions?: JSX.Element }) {
  return (
    <header class="page-header">
      <div class="page-header-text">
        <Show when={props.back}>
          {(b) => (
            <A class="back-link" href={b().href}>
              ← {b().label}
            </A>
          )}
        </Show>
        <h1>{props.title}</h1>
        <Show when={props.subtitle}>
          <p class="muted">{props.subtitle}</p>
        </Show>
      </div>
      <Show when={props.actions}>
        <div class="page-actions">{props.actions}</div>
      </Show>
    </header>
  );
}

export function Card(props: ParentProps<{ title?: string | undefined; actions?: JSX.Element; class?: string; id?: string }>) {
  return (
    <section class={`card ${props.class ?? ''}`} aria-labelledby={props.title && props.id ? `${props.id}-title` : undefined}>
      <Show when={props.title || props.actions}>
        <div class="card-header">
          <Show when={props.title}>
            <h2 id={props.id ? `${props.id}-title` : undefined}>{props.title}</h2>
          </Show>
          {props.actions}
        </div>
      </Show>
      {props.children}
    </section>
  );
}

export function EmptyState(props: ParentProps<{ icon: IconName; title: string; body?: string }>) {
  return (
    <div class="empty-state">
      <div class="empty-icon">
        <Icon name={props.icon} size={28} />
      </div>
      <h2>{props.title}</h2>
      <Show when={props.body}>
        <p class="muted">{props.body}</p>
      </Show>
      <div class="empty-actions">{props.children}</div>
    </div>
  );
}

export function SkeletonRows(props: { rows?: number; cols?: number }) {
  return (
    <div class="skeleton-table" role="status" aria-busy="true" aria-label={t('common.loading')}>
      <For each={Array.from({ length: props.rows ?? 6 })}>
        {() => (
          <div class="skeleton-row">
            <For each={Array.from({ length: props.cols ?? 4 })}>{(_, i) => <span class="skeleton" style={{ width: `${i() === 0 ? 38 : 14}%` }} />}</For>
          </div>
        )}
      </For>
    </div>
  );
}

export const Skeleton = (props: { width?: string; height?: string }) => (
  <span class="skeleton" style={{ width: props.width ?? '100%', height: props.height ?? '14px', display: 'block' }} />
);

const TONES: Record<string, string> = {
  active: 'success',
  paid: 'success',
  fulfilled: 'success',
  completed: 'success',
  succeeded: 'success',
  owner: 'info',
  admin: 'info',
  draft: 'neutral',
  queued: 'neutral',
  pending: 'warning',
  running: 'info',
  unfulfilled: 'warning',
  requested: 'warning',
  approved: 'info',
  received: 'info',
  declined: 'muted',
  exchanged: 'muted',
  partially_refunded: 'warning',
  provisioning: 'warning',
  archived: 'muted',
  refunded: 'muted',
  closed: 'muted',
  expired: 'muted',
  cancelled: 'muted',
  failed: 'critical',
  suspended: 'critical',
  low: 'warning',
  out: 'critical',
  past_due: 'warning',
  canceled: 'muted',
  suggested: 'warning',
  applied: 'success',
  rejected: 'muted',
  rolled_back: 'muted',
  delivered: 'success',
  none: 'neutral',
};

/** A status pill; the label is translated from `status.<value>` when such a message exists. */
export function Badge(props: { value: string; label?: string }) {
  const label = () => props.label ?? statusLabel(props.value);
  return <span class={`badge badge-${TONES[props.value] ?? 'neutral'}`}>{label()}</span>;
}

export function statusLabel(value: string): string {
  const key = `status.${value}` as MessageKey;
  const text = t(key);
  return text === key ? value : text;
}

export function ProgressBar(props: { value: number; label: string; tone?: 'critical' }) {
  const pct = () => Math.max(0, Math.min(100, Math.round(props.value * 100)));
  return (
    <div
      class={`progress${props.tone ? ` progress-${props.tone}` : ''}`}
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct()}
    >
      <div class="progress-fill" style={{ width: `${pct()}%` }} />
    </div>
  );
}

export function Banner(props: ParentProps<{ tone: 'critical' | 'warning' | 'info' | 'success'; title?: string }>) {
  return (
    <div class={`banner banner-${props.tone}`} role={props.tone === 'critical' ? 'alert' : 'status'}>
      <Show when={props.title}>
        <strong>{props.title}</strong>
      </Show>
      <div>{props.children}</div>
    </div>
  );
}

/** A modal dialog: focus moves in, Escape and the backdrop close it, focus returns afterwards. */
export function Modal(props: ParentProps<{ open: boolean; title: string; onClose: () => void; footer?: JSX.Element; wide?: boolean }>) {
  let panel: HTMLDivElement | undefined;
  createEffect(() => {
    if (!props.open) return;
    const previous = document.activeElement as HTMLElement | null;
    queueMicrotask(() => {
      const target = panel?.querySelector<HTMLElement>('[autofocus], input, select, textarea, button:not(.modal-close)') ?? panel;
      target?.focus();
    });
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') props.onClose();
      if (e.key === 'Tab' && panel) {
        const items = [...panel.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input, select, textarea, [tabindex="0"]')];
        const first = items[0];
        const last = items[items.length - 1];
        if (e.shiftKey && document.activeElement === first) {
          e.preventDefault();
          last?.focus();
        } else if (!e.shiftKey && document.activeElement === last) {
          e.preventDefault();
          first?.focus();
        }
      }
    };
    document.addEventListener('keydown', onKey);
    onCleanup(() => {
      document.removeEventListener('keydown', onKey);
      previous?.focus?.();
    });
  });
  return (
    <Show when={props.open}>
      {/* biome-ignore lint/a11y/noStaticElementInteractions lint/a11y/useKeyWithClickEvents: a mouse convenience; Escape closes the dialog from the keyboard */}
      <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
        <div class="modal" classList={{ 'modal-wide': !!props.wide }} role="dialog" aria-modal="true" aria-labelledby="modal-title" ref={panel} tabindex="-1">
          <div class="modal-header">
            <h2 id="modal-title">{props.title}</h2>
            <button type="button" class="icon-button modal-close" aria-label={t('common.close')} onClick={props.onClose}>
              ×
            </button>
          </div>
          <div class="modal-body">{props.children}</div>
          <Show when={props.footer}>
            <div class="modal-footer">{props.footer}</div>
          </Show>
        </div>
      </div>
    </Show>
  );
}

/**
 * A dialog around one form: Cancel and the submit button in the footer (the button submits the form by its id),
 * the form's error above its fields. `canSubmit` false shows the form read-only with a Close button.
 */
export function FormModal(
  props: ParentProps<{
    open: boolean;
    title: string;
    onClose: () => void;
    formId: string;
    onSubmit: (e: SubmitEvent) => void;
    submitLabel: string;
    busy?: boolean;
    error?: string | null;
    wide?: boolean;
    canSubmit?: boolean;
    formClass?: string;
  }>,
) {
  const canSubmit = () => props.canSubmit !== false;
  return (
    <Modal
      open={props.open}
      wide={props.wide}
      title={props.title}
      onClose={props.onClose}
      footer={
        <>
          <button type="button" class="button" onClick={props.onClose}>
            {canSubmit() ? t('common.cancel') : t('common.close')}
          </button>
          <Show when={canSubmit()}>
            <button type="submit" form={props.formId} class="button primary" disabled={!!props.busy}>
              {props.submitLabel}
            </button>
          </Show>
        </>
      }
    >
      <form id={props.formId} class={props.formClass} onSubmit={(e) => props.onSubmit(e)} novalidate>
        <Show when={props.error}>
          <Banner tone="critical">{props.error}</Banner>
        </Show>
        {props.children}
      </form>
    </Modal>
  );
}

/** A destructive action's confirmation: Cancel closes, the danger button confirms. */
export function ConfirmModal(props: ParentProps<{ open: boolean; title: string; confirmLabel: string; onConfirm: () => void; onClose: () => void }>) {
  return (
    <Modal
      open={props.open}
      title={props.title}
      onClose={props.onClose}
      footer={
        <>
          <button type="button" class="button" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
          <button type="button" class="button danger" onClick={props.onConfirm}>
            {props.confirmLabel}
          </button>
        </>
      }
    >
      {props.children}
    </Modal>
  );
}

export function Spinner() {
  return <span class="spinner" aria-hidden="true" />;
}

/**
 * Paging through a list with the API's forward-only cursors: the cursors of the pages before this one are kept
 * on a stack, so "previous" works too. `cursor()` goes into the list's resource source; `reset()` when a filter changes.
 */
export interface CursorPaging {
  cursor: Accessor<string | undefined>;
  canGoBack: Accessor<boolean>;
  back: () => void;
  next: (nextCursor: string | null | undefined) => void;
  reset: () => void;
}

export function createCursorPager(): CursorPaging {
  const [stack, setStack] = createSignal<string[]>([]);
  const [cursor, setCursor] = createSignal<string | undefined>(undefined);
  return {
    cursor,
    canGoBack: () => stack().length > 0,
    back: () =>
      batch(() => {
        const before = stack().slice();
        const prev = before.pop();
        setStack(before);
        setCursor(prev || undefined);
      }),
    next: (nextCursor) =>
      batch(() => {
        setStack([...stack(), cursor() ?? '']);
        setCursor(nextCursor ?? undefined);
      }),
    reset: () =>
      batch(() => {
        setStack([]);
        setCursor(undefined);
      }),
  };
}

/**
 * A list page's search box: `onSearch` gets the text once typing pauses for 250 ms (one request per pause, not one per
 * key); `value` is the text it starts with (the URL's, so a reload keeps the search).
 */
export function SearchInput(props: { id: string; label: string; placeholder?: string; value?: string | undefined; onSearch: (text: string) => void }) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  return (
    <div class="search-input">
      <Icon name="search" size={16} />
      <label class="visually-hidden" for={props.id}>
        {props.label}
      </label>
      <input
        id={props.id}
        type="search"
        placeholder={props.placeholder ?? props.label}
        value={props.value ?? ''}
        onInput={(e) => {
          const text = e.currentTarget.value;
          clearTimeout(timer);
          timer = setTimeout(() => props.onSearch(text), 250);
        }}
      />
    </div>
  );
}

/** The previous / next buttons of a cursor-paged list; `nextCursor` is the loaded page's (null on the last page). */
export function CursorPager(props: { pager: CursorPaging; nextCursor: string | null | undefined }) {
  return (
    <nav class="pagination" aria-label={t('common.pagination')}>
      <button type="button" class="button small" disabled={!props.pager.canGoBack()} onClick={() => props.pager.back()}>
        ← {t('common.previous')}
      </button>
      <button type="button" class="button small" disabled={!props.nextCursor} onClick={() => props.pager.next(props.nextCursor)}>
        {t('common.next')} →
      </button>
    </nav>
  );
}
