/**
 * The /api/v1 document checked by a real OpenAPI linter (Redocly's engine, the
 * one `redocly lint` runs) with its recommended rules, so CI fails on a
 * structurally wrong document, a missing or duplicate operationId, or an
 * operation without an error response. Built without a server or database.
 */
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { apiDocument } from '../src/app.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

describe('the OpenAPI document', () => {
  const doc = apiDocument();

  it('passes the Redocly linter (recommended rules, every operation with an operationId) with no problem at all', async () => {
    const config = await createConfig({
      extends: ['recommended'],
      rules: {
        'operation-operationId': 'error',
        'operation-operationId-unique': 'error',
        'operation-operationId-url-safe': 'error',
        // A merchant API of one platform, not published under a licence.
        'info-license': 'off',
      },
    });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    const report = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
    expect(report).toEqual([]);
  });

  it('names every operation, uniquely', () => {
    const ops = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      METHODS.flatMap((m) => {
        const op = (item as Record<string, { operationId?: string } | undefined>)[m];
        return op ? [{ at: `${m.toUpperCase()} ${path}`, id: op.operationId }] : [];
      }),
    );
    expect(ops.length).toBeGreaterThan(100);
    expect(ops.filter((o) => !o.id).map((o) => o.at)).toEqual([]);
    expect(new Set(ops.map((o) => o.id)).size).toBe(ops.length);
  });
});
