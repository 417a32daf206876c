/// <reference lib="dom" />
import { hydrate } from 'solid-js/web';
import { App } from './App.tsx';
import './styles.css';
import type { AppData, ShopInfo } from './types.ts';

const root = document.getElementById('app');
const dataEl = document.getElementById('sf-data');
if (root && dataEl?.textContent) {
  const data = JSON.parse(dataEl.textContent) as AppData;
  // A page in another language loads its catalogue from a cached script run just before this one (render.ts).
  const messages = (self as { __sfMessages?: ShopInfo['messages'] }).__sfMessages;
  if (messages) data.chrome.shop.messages = messages;
  // Without it (the script did not load) the page stays as the server rendered it: forms and links work without JS.
  if (data.chrome.shop.lang === 'en' || data.chrome.shop.messages) hydrate(() => <App chrome={data.chrome} data={data.data} />, root);
}
