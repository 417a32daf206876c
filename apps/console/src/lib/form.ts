/** Submitting state and field errors of one form, filled from an ApiError. */
import { createSignal } from 'solid-js';
import { ApiError } from './api.ts';

export function createFormState() {
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [busy, setBusy] = createSignal(false);
  const [formError, setFormError] = createSignal<string | null>(null);
  async function submit<T>(run: () => Promise<T>, opts: { onError?: (e: ApiError) => boolean } = {}): Promise<T | undefined> {
    if (busy()) return undefined;
    setBusy(true);
    setErrors({});
    setFormError(null);
    try {
      return await run();
    } catch (e) {
      if (e instanceof ApiError) {
        if (opts.onError?.(e)) return undefined;
        const fields = e.fieldErrors;
        setErrors(fields);
        // Problems that belong to no visible field are shown above the form.
        if (!Object.keys(fields).length || fields.form) setFormError(fields.form ?? e.message);
      } else setFormError((e as Error).message);
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  return { errors, setErrors, busy, formError, setFormError, submit };
}
