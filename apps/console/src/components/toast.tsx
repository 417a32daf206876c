import { createSignal, For } from 'solid-js';
import { t } from '../i18n/index.ts';

interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  message: string;
}
const [toasts, setToasts] = createSignal<Toast[]>([]);
let next = 1;

function push(kind: Toast['kind'], message: string, ms = 5000) {
  const id = next++;
  setToasts((list) => [...list.slice(-3), { id, kind, message }]);
  setTimeout(() => dismiss(id), ms);
}
const dismiss = (id: number) => setToasts((list) => list.filter((x) => x.id !== id));

export const toast = {
  success: (m: string) => push('success', m),
  error: (m: string) => push('error', m, 8000),
  info: (m: string) => push('info', m),
};

export function Toaster() {
  return (
    <div class="toaster" role="status" aria-live="polite">
      <For each={toasts()}>
        {(item) => (
          <div class={`toast toast-${item.kind}`}>
            <span>{item.message}</span>
            <button type="button" class="toast-close" aria-label={t('common.dismiss')} onClick={() => dismiss(item.id)}>
              ×
            </button>
          </div>
        )}
      </For>
    </div>
  );
}
