import { createRemoteJWKSet, jwtVerify } from 'jose';

// Verifies an SCA receipt against the service's key set and prints its header and claims.
// Run: TOKEN=<partner token> node docs/verify-receipt.example.mjs <key set URL> <receipt>
// The key set is a partner route: the partner token is passed to it.
const keys = createRemoteJWKSet(new URL(process.argv[2]), {
  headers: { authorization: `Bearer ${process.env.TOKEN}` },
});
const { payload, protectedHeader } = await jwtVerify(process.argv[3], keys, { algorithms: ['ES256'] });
console.log(JSON.stringify(protectedHeader));
console.log(JSON.stringify(payload));
