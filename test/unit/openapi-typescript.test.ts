import openapiTS, { astToString } from 'openapi-typescript';
import { expect, it } from 'vitest';
import { buildOpenApi } from '../../shared/openapi.ts';
import { RESPONSE_SCHEMAS } from '../../shared/response-schemas.ts';
import { ROUTES } from '../../shared/routes.ts';

/**
 * A client generated from the document, as a partner would generate one: openapi-typescript's types. Every success
 * answer with a body must come out typed, never `unknown`, and only the 204s without a body.
 */
it('generates TypeScript types in which every answer has a type', async () => {
  const document = await buildOpenApi();
  const types = astToString(await openapiTS(document as never));
  expect(types).not.toMatch(/"application\/json"\??: unknown/);

  const operations = types.slice(types.indexOf('export interface operations'));
  let bodiless = 0;
  let checked = 0;
  for (const route of ROUTES) {
    const start = operations.indexOf(`    "${route.operation}": {`);
    expect(start, route.operation).toBeGreaterThan(-1);
    const block = operations.slice(start, operations.indexOf('\n    };', start));
    for (const [, status, response] of block.matchAll(/\n {12}(2\d\d): \{([\s\S]*?)\n {12}\};/g)) {
      checked++;
      if (status === '204') {
        expect(response, `${route.operation} 204`).toContain('content?: never');
        bodiless++;
      } else {
        expect(response, `${route.operation} ${status}`).toMatch(/"application\/json": (\{|components\[|\()/);
      }
    }
  }
  const documented = Object.values(RESPONSE_SCHEMAS).flatMap((answers) => Object.keys(answers));
  expect(checked).toBe(documented.length);
  expect(bodiless).toBe(
    ROUTES.filter((r) =>
      /^(delete-device|delete-webhook|verify-.*-challenge|lift-sms-prefix-block)$/.test(r.operation),
    ).length,
  );
});
