/**
 * Writes the console's API types from the control plane's OpenAPI document
 * (`apiDocument()`: the same zod schemas the routes validate with, built
 * without a server or database). `npm run gen:api` rewrites the file;
 * `apps/control-plane/test/api-types.test.ts` fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateApiTypes } from '../apps/control-plane/src/api-types.ts';

const target = fileURLToPath(new URL('../apps/console/src/lib/api-schema.gen.ts', import.meta.url));
writeFileSync(target, await generateApiTypes());
console.log(`wrote ${target}`);
