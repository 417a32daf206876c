/**
 * Storefront text: English here (the fallback, and the only catalogue in the browser bundle); the other languages live in
 * ../messages/ and reach the browser inside the page's hydration data, so a page carries one catalogue, never six.
 * Money and dates through Intl.
 */
export const LANGS = ['en', 'zh-CN', 'de', 'fr', 'es', 'ja'] as const;
export type Lang = (typeof LANGS)[number];

/** Each language by its own name (the language menu). */
export const LANG_NAMES: Record<Lang, string> = { en: 'English', 'zh-CN': '简体中文', de: 'Deutsch', fr: 'Français', es: 'Español', ja: '日本語' };
export const LANG_SHORT: Record<Lang, string> = { en: 'EN', 'zh-CN': '中文', de: 'DE', fr: 'FR', es: 'ES', ja: '日本語' };

const en = {
  search: 'Search',
  searchPlaceholder: 'Search products',
  cart: 'Cart',
  account: 'Account',
  signIn: 'Sign in',
  signOut: 'Sign out',
  register: 'Create account',
  newArrivals: 'New arrivals',
  shopAll: 'Shop all',
  viewAll: 'View all',
  featured: 'Featured collections',
  heroTitle: 'Welcome to {name}',
  heroText: 'Thoughtfully chosen goods, shipped with care.',
  addToCart: 'Add to cart',
  added: 'Added to your cart',
  soldOut: 'Sold out',
  inStock: 'In stock',
  lowStock: 'Only {n} left',
  quantity: 'Quantity',
  alsoBought: 'Customers also bought',
  youMayLike: 'You may also like',
  home: 'Home',
  products: 'Products',
  results: '{n} results for “{q}”',
  noResults: 'No products match your search.',
  searchHint: 'Type a word to search the catalogue.',
  previous: 'Previous',
  next: 'Next',
  page: 'Page {n}',
  emptyCart: 'Your cart is empty.',
  continueShopping: 'Continue shopping',
  subtotal: 'Subtotal',
  shipping: 'Shipping',
  free: 'Free',
  tax: 'Tax',
  taxIncluded: 'Tax (included)',
  total: 'Total',
  checkout: 'Check out',
  update: 'Update',
  remove: 'Remove',
  discountCode: 'Discount code',
  giftCard: 'Gift card',
  apply: 'Apply',
  discountsAndGiftCards: 'Discounts and gift cards',
  amountDue: 'To pay',
  removeCode: 'Remove code {code}',
  removeGiftCard: 'Remove gift card ending {last4}',
  giftCardEnding: 'Gift card •••• {last4}',
  contact: 'Contact',
  email: 'E-mail',
  shippingAddress: 'Shipping address',
  fullName: 'Full name',
  address1: 'Address',
  address2: 'Apartment, suite (optional)',
  city: 'City',
  postalCode: 'Postal code',
  region: 'State / region (optional)',
  country: 'Country',
  shipsOnlyTo: 'We ship to: {countries}. Orders to other countries cannot be delivered.',
  phone: 'Phone (optional)',
  shippingMethod: 'Shipping method',
  standardShipping: 'Standard delivery',
  orderSummary: 'Order summary',
  continueToPayment: 'Continue to payment',
  savedAddresses: 'Saved addresses',
  saveAddress: 'Save this address to my account',
  payTitle: 'Test payment',
  payText: 'This store uses the built-in test payment provider. No money moves.',
  payNow: 'Pay now',
  failPayment: 'Fail payment',
  reservedUntil: 'Your items are reserved until {t}.',
  thankYou: 'Thank you for your order!',
  confirmationText: 'We have e-mailed a confirmation to {email}. Bookmark this page to follow your order.',
  orderNumber: 'Order #{n}',
  orderStatus: 'Order status',
  placedOn: 'Placed on {d}',
  status_pending: 'Awaiting payment',
  status_paid: 'Paid',
  status_failed: 'Payment failed',
  status_expired: 'Expired',
  status_partially_refunded: 'Partially refunded',
  status_refunded: 'Refunded',
  status_fulfilled: 'Shipped',
  status_unfulfilled: 'Preparing',
  tracking: 'Tracking: {t}',
  orderHistory: 'Order history',
  noOrders: 'No orders yet.',
  addresses: 'Addresses',
  noAddresses: 'No saved addresses yet.',
  password: 'Password',
  name: 'Name',
  haveAccount: 'Already have an account?',
  noAccount: 'New here?',
  guestNote: 'You can also check out as a guest.',
  notFoundTitle: 'Page not found',
  notFoundText: 'We could not find what you were looking for.',
  paymentFailed: 'The payment did not go through. Your cart is back; you can try again.',
  checkoutExpired: 'This checkout expired. Your cart is back; please check out again.',
  language: 'Language',
  collections: 'Collections',
  sortNewest: 'Newest',
  sortPriceAsc: 'Price: low to high',
  sortPriceDesc: 'Price: high to low',
  inStockOnly: 'In stock only',
  filter: 'Filter',
  allCollections: 'All collections',
  sale: 'Sale',
  secureCheckout: 'Secure checkout',
  freeShippingOver: 'Free shipping over {amount}',
  items: '{n} items',
  notEnoughStock: 'Sorry, there is not enough stock for that quantity.',
  pricesChanged: 'Prices changed since you opened the checkout. Please review your order.',
  tooManyAttempts: 'Too many attempts. Please wait a minute and try again.',
  openingSoon: 'Opening soon',
  openingSoonText: '{name} is getting ready. Please check back soon.',
  blog: 'Blog',
  readMore: 'Read more',
  byAuthor: 'By {name}',
  taggedWith: 'Tagged “{tag}”',
  olderPosts: 'Older posts',
  newerPosts: 'Newer posts',
  noArticles: 'No articles yet.',
  policies: 'Policies',
  mainMenu: 'Main menu',
  footerMenu: 'Footer',
  lastUpdated: 'Last updated {date}',
  view3d: '3D model: drag or use the arrow keys to turn it',
  viewInYourSpace: 'View in your space',
  agreeToPolicies: 'By placing your order you agree to our policies:',
  feed: 'Subscribe (Atom feed)',
  reviews: 'Reviews',
  reviewsCount: '{n} reviews',
  averageRating: '{avg} out of 5',
  verifiedBuyer: 'Verified buyer',
  storeReply: 'Reply from the store',
  reviewYourItems: 'Review your items',
  writeReview: 'Review {title}',
  rating: 'Rating',
  stars: '{n} stars',
  reviewTitle: 'Title',
  reviewBody: 'Your review',
  yourName: 'Your name (shown with the review)',
  submitReview: 'Send review',
  reviewThanks: 'Thank you! Your review will appear once the store has checked it.',
  reviewAlready: 'You have already reviewed this product for this order.',
  countryRegion: 'Country/region',
  yourData: 'Your data',
  privacyTitle: 'Your data and privacy',
  privacyIntro:
    'You can ask for a copy of the personal data this store holds about you, or for its erasure. The store answers within one month (at most three for complex requests).',
  privacyGuestIntro:
    'Enter the e-mail address you shopped with. We send a confirmation link to it: nothing happens until you open it, so nobody can ask for someone else’s data.',
  privacyKindLegend: 'What do you ask for?',
  privacyKindExport: 'A copy of my data (one JSON file)',
  privacyKindErasure: 'Erase my data',
  privacyErasureNote: 'Orders stay for the store’s accounting, without your name, address or e-mail. Your account is closed and you can no longer sign in.',
  privacyConfirmLabel: 'I understand that erasure cannot be undone',
  privacyConfirmErasure: 'Tick the box to confirm the erasure',
  privacyInvalidEmail: 'Enter a valid e-mail address',
  privacySend: 'Send request',
  privacySentTitle: 'Check your inbox',
  privacySentText: 'If the address is right, a confirmation link is on its way. Open it within 24 hours to confirm your request.',
  privacyConfirmTitle: 'Confirm your request',
  privacyConfirmExport: 'Send the store your request for a copy of your personal data?',
  privacyConfirmErasureText: 'Send the store your request to erase your personal data? This cannot be undone once it has run.',
  privacyConfirmButton: 'Confirm request',
  privacyReceivedTitle: 'Request received',
  privacyReceivedText: 'The store has your request. You will receive an e-mail when your copy is ready to download.',
  privacyInvalidTitle: 'Link not valid',
  privacyInvalidText: 'This link is not valid or has expired. You can ask again below.',
  privacyYourRequests: 'Your requests',
  privacyNoRequests: 'No requests yet.',
  privacyKind_export: 'Copy of data',
  privacyKind_erasure: 'Erasure',
  privacyStatus_waiting: 'Waiting for the store',
  privacyStatus_pending: 'Queued',
  privacyStatus_running: 'In progress',
  privacyStatus_completed: 'Done',
  privacyStatus_failed: 'Being looked at',
  privacyRequested: 'Requested {d}',
  privacyDue: 'answer due by {d}',
  privacyDownload: 'Download',
};
export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;

// Intl formatters are costly to build (a DateTimeFormat takes over a millisecond): one per locale, reused.
const memo = new Map<string, unknown>();
function cached<T>(key: string, make: () => T): T {
  let v = memo.get(key) as T | undefined;
  if (v === undefined) {
    v = make();
    if (memo.size > 500) memo.clear();
    memo.set(key, v);
  }
  return v;
}

/** English, the fallback catalogue. */
export const english: Messages = en;

export function makeTranslator(messages: Messages | undefined) {
  const m = messages ?? en;
  return (key: MessageKey, params: Record<string, string | number> = {}) => m[key].replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));
}

export { moneyFormatter } from '@storeloom/money';

export function dateFormatter(locale: string) {
  return cached(`date|${locale}`, () => {
    const f = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
    return (iso: string) => f.format(new Date(iso));
  });
}
