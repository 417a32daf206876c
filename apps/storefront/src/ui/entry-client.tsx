/// <reference lib="dom" />
import { hydrate } from 'solid-js/web';
import { App } from './App.tsx';
import './styles.css';
import type { AppData } from './types.ts';

const root = document.getElementById('app');
const dataEl = document.getElementById('sf-data');
if (root && dataEl?.textContent) {
  const data = JSON.parse(dataEl.textContent) as AppData;
  hydrate(() => <App chrome={data.chrome} data={data.data} />, root);
}
