import { type Accessor, createContext, createSignal, type JSX, type Setter, useContext } from 'solid-js';
import { dateFormatter, type MessageKey, makeTranslator, moneyFormatter } from './i18n.ts';
import type { Chrome } from './types.ts';

export interface ShopContext {
  chrome: Chrome;
  t: (key: MessageKey, params?: Record<string, string | number>) => string;
  money: (minor: number) => string;
  /** Amounts in another currency than the page's (an order history across markets). */
  moneyIn: (currency: string) => (minor: number) => string;
  date: (iso: string) => string;
  cartCount: Accessor<number>;
  setCartCount: Setter<number>;
  hydrated: Accessor<boolean>;
  setHydrated: Setter<boolean>;
}

const Ctx = createContext<ShopContext>();

export function ShopProvider(props: { chrome: Chrome; children: JSX.Element }) {
  const [cartCount, setCartCount] = createSignal(props.chrome.cartCount);
  const [hydrated, setHydrated] = createSignal(false);
  const value: ShopContext = {
    chrome: props.chrome,
    t: makeTranslator(props.chrome.shop.messages, props.chrome.shop.locale),
    money: moneyFormatter(props.chrome.shop.currency, props.chrome.shop.locale),
    moneyIn: (currency) => moneyFormatter(currency, props.chrome.shop.locale),
    date: dateFormatter(props.chrome.shop.locale),
    cartCount,
    setCartCount,
    hydrated,
    setHydrated,
  };
  return <Ctx.Provider value={value}>{props.children}</Ctx.Provider>;
}

export function useShop(): ShopContext {
  const c = useContext(Ctx);
  if (!c) throw new Error('ShopProvider missing');
  return c;
}
