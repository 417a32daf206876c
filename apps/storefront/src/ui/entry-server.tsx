import { generateHydrationScript, renderToString } from 'solid-js/web';
import { App } from './App.tsx';
import type { AppData } from './types.ts';

/** Server entry (built by Vite in SSR mode): page data -> hydratable HTML. */
export function render(data: AppData): string {
  return renderToString(() => <App chrome={data.chrome} data={data.data} />);
}

export const hydrationScript = () => generateHydrationScript();
