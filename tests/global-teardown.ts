export default async function globalTeardown() {
  await (globalThis as { __dynamodb?: { stop(): Promise<void> } }).__dynamodb?.stop();
}
