/** `main` → `Main`, `sync-jobs` → `SyncJobs`: declared names as construct ids and output names. */
export function pascalCase(name: string): string {
  return name.replace(/(?:^|[-_])([a-z0-9])/gi, (_, first: string) => first.toUpperCase());
}
