"""Copies the sample objects the fake serves out of Stripe's fixtures3.json (MIT, see ../LICENSE-fixtures.md).
Run from the repo root: python3 packages/stripe-fake/scripts/extract-fixtures.py ../shared/stripe/fixtures3.json"""
import json, sys
KEEP = ['account', 'account_link', 'billing_portal.session', 'charge', 'checkout.session', 'customer', 'event',
        'invoice', 'payment_intent', 'price', 'refund', 'subscription']
src = json.load(open(sys.argv[1]))['resources']
out = {'source': 'stripe/openapi openapi/fixtures3.json, tag v2436 (MIT, Copyright (c) 2011- Stripe, Inc.)',
       'resources': {k: src[k] for k in KEEP}}
json.dump(out, open('packages/stripe-fake/src/fixtures.json', 'w'), indent=1, sort_keys=True)
