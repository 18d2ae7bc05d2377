import { createRemoteJWKSet, jwtVerify } from 'jose';

// Verifies an SCA receipt against the service's key set and prints its header and claims.
// Run: TOKEN=<partner token> node docs/verify-receipt.example.mjs <key set URL> <receipt>
// The key set is a partner route: the partner token is passed to it.
const keys = createRemoteJWKSet(new URL(process.argv[2]), {
  headers: { authorization: `Bearer ${process.env.TOKEN}` },
});
// Check the issuer too: it names the service and the stage, so another stage's receipt (a sandbox's) is refused.
// Deployed, set ISSUER to the stage's (phone-security:<account>:<region>:<stack>).
const { payload, protectedHeader } = await jwtVerify(process.argv[3], keys, {
  algorithms: ['ES256'],
  issuer: process.env.ISSUER ?? 'phone-security:local',
});
console.log(JSON.stringify(protectedHeader));
console.log(JSON.stringify(payload));
