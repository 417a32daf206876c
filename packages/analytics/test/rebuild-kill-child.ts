/**
 * A rebuild process for rebuild-takeover.test.ts: runs `rebuildAnalytics` on one store schema and kills itself with
 * SIGKILL after `killAfter` batches of orders, between batches (no clean-up code can run, as when an operator's shell
 * or the host dies). Config comes as JSON in argv[2].
 */
import { createDatabase } from '@storeloom/db';
import { rebuildAnalytics } from '../src/index.ts';

const cfg = JSON.parse(process.argv[2] as string) as { url: string; schema: string; batch: number; killAfter: number };
const db = createDatabase({ url: cfg.url, poolMax: 2, applicationName: 'storeloom-rebuild-kill' });
let batches = 0;
await rebuildAnalytics(db.tenant(cfg.schema), {
  batch: cfg.batch,
  onProgress: (p) => {
    if (p.phase === 'orders' && ++batches === cfg.killAfter) process.kill(process.pid, 'SIGKILL');
  },
});
// Not reached when the kill comes first; a rebuild that finished is a failure of the test set-up.
process.exit(3);
