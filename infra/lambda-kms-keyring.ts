/**
 * Stands in for `@aws-crypto/kms-keyring-node` in function bundles (see bundling.ts).
 * The package's index also exports the hierarchical keyring, whose branch key store
 * imports the SDK's DynamoDB and KMS clients; bundlers must resolve those imports even
 * though nothing here uses them. Junction uses only the plain KMS keyring, so bundles
 * take that one module of the package's ES build.
 */
export { KmsKeyringNode } from '../node_modules/@aws-crypto/kms-keyring-node/build/module/src/kms_keyring_node.js';
