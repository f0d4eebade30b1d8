import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in function bundles (see bundling.ts).
 * Lambda always hands a function its role's credentials in AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, so the SDK's full chain (profiles, SSO,
 * web identity, instance metadata, and the STS and SSO clients behind them) is dead
 * weight: ~135 KiB and ~20 ms of init in every function. Scripts run unbundled and keep
 * the full chain.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
