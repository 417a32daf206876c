import { Navigate, Route, Router, type RouteSectionProps, useNavigate } from '@solidjs/router';
import { lazy, Match, type ParentProps, Show, Switch } from 'solid-js';
import { Toaster } from './components/toast.tsx';
import { SkeletonRows } from './components/ui.tsx';
import { t } from './i18n/index.ts';
import { onUnauthenticated } from './lib/api.ts';
import { lastStoreId, me, setMe } from './lib/session.ts';
import { Shell } from './Shell.tsx';
import { ForgotPasswordPage, LoginPage, ResetPasswordPage, SignupPage } from './pages/auth.tsx';
import { OnboardingPage } from './pages/onboarding.tsx';

const ProductsPage = lazy(() => import('./pages/products.tsx'));
const ProductEditorPage = lazy(() => import('./pages/product-editor.tsx'));
const ImportPage = lazy(() => import('./pages/import.tsx'));
const InventoryPage = lazy(() => import('./pages/inventory.tsx'));
const OrdersPage = lazy(() => import('./pages/orders.tsx'));
const OrderDetailPage = lazy(() => import('./pages/order-detail.tsx'));
const TeamPage = lazy(() => import('./pages/team.tsx'));
const SettingsPage = lazy(() => import('./pages/settings.tsx'));
const SettingsIndexPage = lazy(() => import('./pages/settings-index.tsx'));
const JobsPage = lazy(() => import('./pages/jobs.tsx'));
const AccountPage = lazy(() => import('./pages/account.tsx'));
const OutboxPage = lazy(() => import('./pages/outbox.tsx'));
const InvitePage = lazy(() => import('./pages/invite.tsx'));
const BillingPage = lazy(() => import('./pages/billing.tsx'));
const PayoutsPage = lazy(() => import('./pages/payouts.tsx'));
const PricingPage = lazy(() => import('./pages/pricing.tsx'));
const PlanningPage = lazy(() => import('./pages/planning.tsx'));
const SearchPage = lazy(() => import('./pages/search.tsx'));
const RecommendationsPage = lazy(() => import('./pages/recommendations.tsx'));
const HomePage = lazy(() => import('./pages/home.tsx'));
const DiscountsPage = lazy(() => import('./pages/discounts.tsx'));
const DiscountEditorPage = lazy(() => import('./pages/discount-editor.tsx'));
const GiftCardsPage = lazy(() => import('./pages/gift-cards.tsx'));
const ReturnsPage = lazy(() => import('./pages/returns.tsx'));
const AnalyticsPage = lazy(() => import('./pages/analytics.tsx'));
const MarketsPage = lazy(() => import('./pages/markets.tsx'));
const TranslationsPage = lazy(() => import('./pages/translations.tsx'));
const AbandonedCheckoutsPage = lazy(() => import('./pages/abandoned-checkouts.tsx'));
const PrivacyPage = lazy(() => import('./pages/privacy.tsx'));
const AuditLogPage = lazy(() => import('./pages/audit-log.tsx'));
const ContentPages = {
  list: lazy(() => import('./pages/online-store.tsx').then((m) => ({ default: m.PagesListPage }))),
  edit: lazy(() => import('./pages/online-store.tsx').then((m) => ({ default: m.PageEditorPage }))),
};
const BlogPages = {
  list: lazy(() => import('./pages/online-store.tsx').then((m) => ({ default: m.BlogListPage }))),
  edit: lazy(() => import('./pages/online-store.tsx').then((m) => ({ default: m.ArticleEditorPage }))),
};
const MenusPage = lazy(() => import('./pages/online-store.tsx').then((m) => ({ default: m.MenusPage })));
const PoliciesPage = lazy(() => import('./pages/online-store.tsx').then((m) => ({ default: m.PoliciesPage })));
const ReviewsPage = lazy(() => import('./pages/reviews.tsx'));
const ThemeEditorPage = lazy(() => import('./pages/theme-editor.tsx'));

function Loading() {
  return (
    <div class="boot">
      <SkeletonRows rows={4} />
    </div>
  );
}

/** Pages that need a session: anonymous visitors go to the login page and come back afterwards. */
function RequireAuth(props: ParentProps) {
  return (
    <Switch fallback={<Loading />}>
      <Match when={me.state === 'ready' && me() === null}>
        <Navigate href={() => `/login?next=${encodeURIComponent(location.pathname + location.search)}`} />
      </Match>
      <Match when={me.state === 'errored'}>
        <div class="boot">
          <p role="alert">{t('common.serverUnreachable')}</p>
        </div>
      </Match>
      <Match when={me()}>{props.children}</Match>
    </Switch>
  );
}

function Home() {
  return (
    <RequireAuth>
      <Show when={me()}>
        {(m) => {
          const stores = m().stores.filter((s) => s.status !== 'deleted');
          if (!stores.length) return <Navigate href="/onboarding" />;
          const last = stores.find((s) => s.id === lastStoreId()) ?? stores[0];
          return <Navigate href={`/stores/${last?.id}/home`} />;
        }}
      </Show>
    </RequireAuth>
  );
}

function SessionWatcher(props: ParentProps) {
  const navigate = useNavigate();
  // Only a session that existed and was lost sends the merchant to log in, once; anonymous pages (invite, reset) stay put.
  // Returning true tells the client that this 401, and the ones after it until the next sign-in, show no error.
  onUnauthenticated(() => {
    const hadSession = !!me();
    setMe(null);
    if (!hadSession || location.pathname.startsWith('/login')) return false;
    navigate(`/login?next=${encodeURIComponent(location.pathname)}`, { replace: true });
    return true;
  });
  return props.children;
}

export function App() {
  return (
    <>
      <Router root={(p) => <SessionWatcher>{p.children}</SessionWatcher>}>
        <Route path="/" component={Home} />
        <Route path="/login" component={LoginPage} />
        <Route path="/signup" component={SignupPage} />
        <Route path="/forgot-password" component={ForgotPasswordPage} />
        <Route path="/reset-password" component={ResetPasswordPage} />
        <Route path="/invite" component={InvitePage} />
        <Route path="/dev/outbox" component={OutboxPage} />
        <Route
          path="/onboarding"
          component={() => (
            <RequireAuth>
              <OnboardingPage />
            </RequireAuth>
          )}
        />
        <Route
          path="/account"
          component={() => (
            <RequireAuth>
              <Shell>
                <AccountPage />
              </Shell>
            </RequireAuth>
          )}
        />
        <Route
          path="/stores/:storeId"
          component={(p: RouteSectionProps) => (
            <RequireAuth>
              <Shell>{p.children}</Shell>
            </RequireAuth>
          )}
        >
          <Route path="/" component={() => <Navigate href="home" />} />
          <Route path="/home" component={HomePage} />
          <Route path="/products" component={ProductsPage} />
          <Route path="/products/new" component={ProductEditorPage} />
          <Route path="/products/:productId" component={ProductEditorPage} />
          <Route path="/import" component={ImportPage} />
          <Route path="/inventory" component={InventoryPage} />
          <Route path="/orders" component={OrdersPage} />
          <Route path="/orders/:orderId" component={OrderDetailPage} />
          <Route path="/draft-orders/:draftOrderId?" component={lazy(() => import('./pages/draft-orders.tsx'))} />
          <Route path="/discounts" component={DiscountsPage} />
          <Route path="/discounts/new" component={DiscountEditorPage} />
          <Route path="/discounts/:discountId" component={DiscountEditorPage} />
          <Route path="/gift-cards" component={GiftCardsPage} />
          <Route path="/returns" component={ReturnsPage} />
          <Route path="/analytics" component={AnalyticsPage} />
          <Route path="/markets" component={MarketsPage} />
          <Route path="/translations" component={TranslationsPage} />
          <Route path="/abandoned-checkouts" component={AbandonedCheckoutsPage} />
          <Route path="/team" component={TeamPage} />
          <Route path="/settings" component={SettingsIndexPage} />
          <Route path="/settings/:section" component={SettingsPage} />
          <Route path="/webhooks" component={lazy(() => import('./pages/webhooks.tsx'))} />
          <Route path="/jobs" component={JobsPage} />
          <Route path="/privacy" component={PrivacyPage} />
          <Route path="/audit-log" component={AuditLogPage} />
          <Route path="/billing" component={BillingPage} />
          <Route path="/payouts" component={PayoutsPage} />
          <Route path="/pricing" component={PricingPage} />
          <Route path="/planning" component={PlanningPage} />
          <Route path="/search" component={SearchPage} />
          <Route path="/recommendations" component={RecommendationsPage} />
          <Route path="/theme" component={ThemeEditorPage} />
          <Route path="/pages" component={ContentPages.list} />
          <Route path="/pages/:pageId" component={ContentPages.edit} />
          <Route path="/blog" component={BlogPages.list} />
          <Route path="/blog/:articleId" component={BlogPages.edit} />
          <Route path="/navigation" component={MenusPage} />
          <Route path="/policies" component={PoliciesPage} />
          <Route path="/reviews" component={ReviewsPage} />
        </Route>
        <Route path="*" component={() => <Navigate href="/" />} />
      </Router>
      <Toaster />
    </>
  );
}
