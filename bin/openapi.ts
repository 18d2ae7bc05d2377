/** `npm run -s openapi`: prints the OpenAPI 3.1 document generated from the route table and the handlers' schemas. */
import { parseCli } from './cli.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
parseCli({
  usage: `usage: npm run -s openapi > openapi.json
Prints the OpenAPI 3.1 document of every route (the same document the local server serves at /openapi.json).
npm's -s keeps its banner out of the file.`,
  options: {},
});
const { buildOpenApi } = await import('#shared/openapi.ts');
console.log(JSON.stringify(await buildOpenApi(), null, 2));
