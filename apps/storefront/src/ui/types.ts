/** What the server hands the Solid app: plain JSON, the same on both sides of hydration. */
import type { CartLineView, OrderDetail, OrderLineView, OrderSummary, Totals } from '@storeloom/commerce';
import type { OrderAddress } from '@storeloom/db';
import type { Lang, Messages } from './i18n.ts';

export interface ShopInfo {
  /** The store's id: tells its own stored media (served at /media on this host) from external image URLs. */
  id: string;
  name: string;
  logoUrl: string | null;
  lang: Lang;
  /**
   * The shopper's catalogue when it is not English, for the server render; the browser bundle carries English only and
   * gets it from the catalogue's cached script (`self.__sfMessages`, render.ts), not from the page data.
   */
  messages?: Messages;
  languages: Lang[];
  /** The currency of the page's amounts: the market's for catalogue and cart pages, the order's on order pages. */
  currency: string;
  locale: string;
  /** The shopper's country and the countries to choose from (only when the store sells in several markets). */
  country?: string | null;
  countries?: { code: string; name: string; currency: string }[];
  /** The store's announcement bar and footer text in the page's language (absent: none). */
  announcement?: string;
  footerText?: string;
}

/** A navigation menu item, resolved on the server (see @storeloom/content menus). */
export interface MenuLinkData {
  title: string;
  url: string;
  items: MenuLinkData[];
}

export interface Chrome {
  shop: ShopInfo;
  /** The `main-menu` and `footer` menus; empty when the merchant has none (the default links show). */
  menus: { header: MenuLinkData[]; footer: MenuLinkData[] };
  /** Published policy pages, linked in the footer and at checkout. */
  policies: { url: string; title: string }[];
  cartCount: number;
  path: string;
  signedIn: boolean;
  query: string;
  /** The consent banner (absent when the store asks for no optional purpose). */
  consent?: { purposes: ('recommendations' | 'analytics' | 'marketing')[]; banner: boolean; choices: Record<string, boolean> };
}

export interface Card {
  id: string;
  handle: string;
  title: string;
  price: number;
  compareAtPrice: number | null;
  /** The lowest price of the 30 days before the reduction (EU rule), set only when the card shows a reduction. */
  lowestPrice30?: number | null;
  imageUrl: string | null;
  imageAlt: string | null;
  available: number;
  productType: string | null;
}

export interface VariantData {
  id: string;
  title: string;
  options: Record<string, string>;
  price: number;
  compareAtPrice: number | null;
  /** The lowest price of the 30 days before the reduction (EU rule), set only when the variant shows a reduction. */
  lowestPrice30?: number | null;
  available: number;
  sku: string | null;
  /** The variant's own image (one of the product's images; e.g. Shopify's Variant Image): shown when it is picked. */
  imageUrl?: string | null;
}

export interface ProductData {
  id: string;
  handle: string;
  title: string;
  /** The description as sanitised HTML (the allow-list of @storeloom/catalog/html), made on the server. */
  descriptionHtml: string;
  vendor: string | null;
  productType: string | null;
  /** `label` and `valueLabels`: the option's name and values in the page's language (absent: the originals show). */
  options: { name: string; values: string[]; label?: string; valueLabels?: Record<string, string> }[];
  variants: VariantData[];
  images: { url: string; alt: string | null }[];
  /** 3D models (glTF binary) with poster and optional USDZ for iOS Quick Look; the page loads model-viewer only when there is one. */
  models: ModelData[];
  /** A gift card sold as a product: the form asks for an optional recipient. */
  giftCard?: boolean;
}

export interface ModelData {
  url: string;
  alt: string | null;
  posterUrl: string | null;
  usdzUrl: string | null;
}

export interface ReviewsData {
  average: number;
  count: number;
  items: {
    author: string;
    rating: number;
    title: string;
    body: string;
    reply: string | null;
    verified: boolean;
    createdAt: string;
    /** Published reviews' photos: file names under /media with their pixel size (no layout shift). */
    photos: { name: string; width: number; height: number }[];
  }[];
}

export interface ArticleCardData {
  handle: string;
  title: string;
  excerpt: string;
  author: string;
  tags: string[];
  coverImageUrl: string | null;
  coverImageAlt: string | null;
  publishedAt: string | null;
}

/**
 * Cart, order and address shapes are the server's own types (type-only
 * imports: erased from the browser bundle, so the UI loads no server code),
 * narrowed to the fields the pages use.
 */
export type LineData = Pick<CartLineView, 'variantId' | 'handle' | 'title' | 'variantTitle' | 'quantity' | 'unitPrice' | 'available' | 'imageUrl'> & {
  /** A gift card bought for someone: who (their name or e-mail). */
  giftCardFor?: string;
  /** The variant's compare-at price in the cart's market, and the EU lowest-30-days price when that shows a reduction. */
  compareAtPrice?: number | null;
  lowestPrice30?: number | null;
};

export type TotalsData = Omit<Totals, 'weightGrams'>;
export interface PromotionsData {
  discounts: { code: string | null; title: string; amount: number }[];
  /** Codes on the cart (as entered), removable. */
  codes: string[];
  giftCards: { last4: string; amount: number }[];
  amountDue: number;
}

export type AddressData = OrderAddress;

export type OrderData = Pick<
  OrderDetail,
  | 'id'
  | 'number'
  | 'email'
  | 'paymentStatus'
  | 'fulfillmentStatus'
  | 'createdAt'
  | 'subtotal'
  | 'shipping'
  | 'tax'
  | 'taxIncluded'
  | 'total'
  | 'refunded'
  | 'shippingAddress'
  | 'discounts'
  | 'giftCards'
  | 'amountDue'
> & {
  lines: Pick<OrderLineView, 'title' | 'variantTitle' | 'quantity' | 'unitPrice' | 'total' | 'imageUrl'>[];
  trackingNumber: string | null;
  carrier: string | null;
};

/** The order page's returns: the shopper's requests with their status, and the form while the window is open. */
export interface OrderReturnsData {
  items: {
    id: string;
    status: 'requested' | 'approved' | 'declined' | 'received' | 'refunded' | 'exchanged';
    requestedAt: string;
    lines: { title: string; quantity: number }[];
    labelReference: string | null;
    merchantNote: string | null;
    refundAmount: number | null;
  }[];
  /** null: no form (window closed, nothing left, not delivered). */
  form: {
    action: string;
    nonce: string;
    deadline: string;
    lines: { orderLineId: string; title: string; variantTitle: string | null; returnable: number }[];
  } | null;
  /** Why there is no form, when the order was delivered (`window_closed`, `disabled`, `nothing_left`). */
  closed: string | null;
  notice: 'requested' | null;
  error: string | null;
}

export type AccountOrderData = Pick<OrderSummary, 'number' | 'createdAt' | 'total' | 'currency' | 'paymentStatus' | 'fulfillmentStatus'> & { url: string };

/** The shopper's data-rights page (export or erasure of their personal data). */
export interface PrivacyPageData {
  page: 'privacy';
  /** form: ask; sent: a guest's confirmation mail is on its way; confirm: the mailed link, asking to confirm; received; invalid: a bad or expired link. */
  state: 'form' | 'sent' | 'confirm' | 'received' | 'invalid';
  signedIn: boolean;
  /** The signed-in shopper's address (null for a guest). */
  email: string | null;
  requests: {
    id: string;
    kind: 'export' | 'erasure';
    status: 'pending' | 'running' | 'completed' | 'failed';
    awaitingApproval: boolean;
    createdAt: string;
    dueAt: string;
    downloadUrl: string | null;
  }[];
  values: { kind: 'export' | 'erasure'; email: string };
  error: string | null;
  errorField: string | null;
  confirm: { kind: 'export' | 'erasure'; token: string } | null;
}

export type SectionSettings = Record<string, string | number | boolean | null>;
/**
 * One theme section as the page renders it (@storeloom/theme's registry): settings with defaults, rich text
 * sanitised, plus what the server looked up for it (a collection and its cards, a product's card, recommended
 * cards, a video's embed URL). `type: 'main'` marks where a page's own content goes.
 */
export interface SectionData {
  id: string;
  type: string;
  settings: SectionSettings;
  blocks: { id: string; type: string; settings: SectionSettings }[];
  collection?: { handle: string; title: string } | null;
  cards?: Card[];
  video?: { kind: 'youtube' | 'vimeo' | 'file'; url: string } | null;
  /** Newsletter: whether the store takes sign-ups (it sends marketing mail), and the status a no-JS sign-up came back with. */
  newsletter?: { open: boolean; status: 'subscribed' | 'invalid' | 'limited' | 'closed' | null };
}

export type PageData =
  /** `sections`: the saved home layout (absent: the default home page, collections and newest). */
  | { page: 'home'; collections: { handle: string; title: string; products: Card[] }[]; newest: Card[]; sections?: SectionData[] }
  | {
      page: 'collection';
      collection: { handle: string; title: string; description: string };
      products: Card[];
      pageNumber: number;
      hasNext: boolean;
      sections?: SectionData[];
    }
  | {
      page: 'product';
      product: ProductData;
      selectedVariantId: string;
      related: Card[];
      relatedTitle: 'alsoBought' | 'youMayLike';
      collection: { handle: string; title: string } | null;
      /** Published reviews (newest first) with the average and count of all published ones; null when there are none. */
      reviews?: ReviewsData | null;
      /** "incl. tax" / "excl. tax" under the price, by the market's tax display rule; null where no tax applies. */
      taxNote?: 'included' | 'excluded' | null;
      sections?: SectionData[];
    }
  | {
      page: 'search';
      q: string;
      results: Card[];
      total: number;
      collections: { handle: string; title: string; count: number }[];
      /** What the engine searched instead of a misspelt `q` (null: as typed). */
      corrected: string | null;
      filters: { collection: string; sort: string; inStock: boolean; exact: boolean };
      nextCursor: string | null;
    }
  | {
      page: 'cart';
      lines: LineData[];
      totals: TotalsData;
      notice: string | null;
      addOns: Card[];
      freeOver: number | null;
      /** Discounts applied (code null: automatic) and gift cards paying part of the total. */
      promotions: PromotionsData;
      /** A refused code or gift card, shown at its field; `value` keeps what the shopper typed. */
      formError: { field: 'discount' | 'giftCard'; message: string; value: string } | null;
    }
  | {
      page: 'checkout';
      lines: LineData[];
      totals: TotalsData;
      promotions: PromotionsData;
      /** Signed snapshot of the prices shown (placing the order charges these). */
      quoteToken: string | null;
      values: Record<string, string>;
      error: string | null;
      errorField: string | null;
      addresses: AddressData[];
      signedIn: boolean;
      /** Offer "Email me with news and offers" (the store sends marketing mail). */
      marketingOptIn: boolean;
      /** With shipping zones: the countries the store ships to (the only ones offered); null = anywhere. */
      shipsTo: string[] | null;
      /** The country list (ISO codes, named in the page's language) and the store's own country, preselected. */
      countries: string[];
      defaultCountry: string | null;
    }
  | { page: 'pay'; order: OrderData; action: string; expiresAt: string }
  | {
      page: 'invoice';
      /** A draft order's invoice (issue 21): what the merchant keyed in, priced; paying it places the order. */
      invoice: {
        name: string;
        lines: { title: string; variantTitle: string | null; quantity: number; unitPrice: number; total: number; imageUrl: string | null }[];
        totals: TotalsData;
        promotions: PromotionsData;
        /** Where the order goes (null: the merchant set none yet). */
        shippingAddress: AddressData | null;
      };
      /** Where the Pay button posts; null once paid. */
      action: string | null;
      /** The order's status page once the invoice is paid. */
      orderLink: string | null;
      error: string | null;
    }
  | { page: 'order'; order: OrderData; justPlaced: boolean; reviewLinks?: { title: string; url: string }[]; returns?: OrderReturnsData }
  | {
      page: 'review';
      product: { title: string; handle: string };
      fields: { order: string; product: string; sig: string };
      values: { rating: string; title: string; body: string; author: string };
      state: 'form' | 'done' | 'already';
      error: string | null;
      /** A stable code for a refused submission (e.g. `unsupported_file_type`), on the error's `data-code`. */
      errorCode: string | null;
      /** The photo field's limits; null where the store has no media storage (no field). */
      photos: { max: number; maxMb: number } | null;
    }
  | {
      page: 'account';
      customer: { name: string; email: string; emailVerified: boolean };
      notice: string | null;
      orders: AccountOrderData[];
      addresses: (AddressData & { id: string })[];
      /** The add-an-address form: what was typed, and a refusal shown at its field. */
      addressForm: { values: Record<string, string>; error: string | null; errorField: string | null; open: boolean };
      /** ISO 3166 codes offered in the country list (named in the page's language), and the store's own country. */
      countries: string[];
      defaultCountry: string | null;
      /** Marketing mail: offered when the store sends it; the address's current choice. */
      marketing: { offered: boolean; subscribed: boolean; at: string | null };
    }
  | {
      page: 'login' | 'register';
      error: string | null;
      notice: string | null;
      email: string;
      name: string;
      next: string;
      /** Registration: offer "Email me with news and offers" (unchecked unless the refused form had it ticked). */
      marketingOptIn?: boolean;
      acceptsMarketing?: boolean;
    }
  | { page: 'forgot'; email: string; sent: boolean; error: string | null }
  /** A mailed one-time link's page: confirm an address, or choose a new password. */
  | { page: 'verify' | 'reset'; token: string; error: string | null }
  | PrivacyPageData
  | { page: 'notfound' }
  /** A merchant page or a policy: sanitised (pages) or generated (policies) HTML. */
  | { page: 'content'; kind: 'page' | 'policy'; title: string; html: string; updatedAt: string | null; sections?: SectionData[] }
  | { page: 'blog'; articles: ArticleCardData[]; tag: string | null; pageNumber: number; hasNext: boolean }
  | { page: 'article'; article: ArticleCardData & { html: string } };

export interface AppData {
  chrome: Chrome;
  data: PageData;
}
