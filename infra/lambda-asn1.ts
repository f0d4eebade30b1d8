/**
 * Stands in for `asn1.js` (and the big-number library under it) in function bundles (see
 * bundling.ts). The Encryption SDK uses it only for ECDSA: DER-encoding signatures and
 * reading PEM keys, for its signing algorithm suites. The vault seals with a committing
 * suite that carries no signature, so those paths never run; ~110 KiB less to parse at
 * every cold start. Should one run (a message sealed elsewhere with a signing suite), it
 * fails loudly rather than misreading the message.
 */
// A function, not an arrow: the SDK calls `new asn.bignum.BN(…)`.
function unsupported(): never {
  throw new Error("ECDSA-signed Encryption SDK messages are not supported: Junction's vault seals without signatures");
}

export default {
  define: (name: string) => ({ name, encode: unsupported, decode: unsupported }),
  bignum: { BN: unsupported },
};
