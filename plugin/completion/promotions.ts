// Promotion and stage names for completion, from the ClusterPromotions of the current kubectl
// context. A shell waits on this while the user waits on the shell, so it gives up quickly and
// silently: no cluster, no CRD or no answer in time all mean no names.
import type { ClusterPromotion } from '../../src/api/types.ts';
import type { ClusterFlags } from '../../src/kube/flags.ts';
import type { PromotionInfo, PromotionSource } from './complete.ts';

export const COMPLETION_TIMEOUT_MS = 1500;

export function livePromotions(
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs = COMPLETION_TIMEOUT_MS,
): PromotionSource {
  // By connection: the promotion and the stage names of one command line come from one listing.
  const cache = new Map<string, Promise<PromotionInfo[]>>();
  return (flags) => {
    const key = JSON.stringify(flags);
    if (!cache.has(key)) cache.set(key, listPromotions(flags, env, timeoutMs));
    return cache.get(key)!;
  };
}

async function listPromotions(
  flags: ClusterFlags,
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs: number,
): Promise<PromotionInfo[]> {
  try {
    // Loaded only here: the client library is the slowest module to load.
    const [{ resolveConnection, defaultEnvironment }, { KubeClient }, { listObjects }, { CLUSTER_PROMOTIONS }] =
      await Promise.all([
        import('../../src/kube/kubeconfig.ts'),
        import('../../src/kube/client.ts'),
        import('../../src/kube/objects.ts'),
        import('../../src/kube/resources.ts'),
      ]);
    const connection = resolveConnection(flags, { ...defaultEnvironment(), env: { ...env } });
    const client = new KubeClient(connection);
    const list = await listObjects<ClusterPromotion>(client, CLUSTER_PROMOTIONS, {
      signal: AbortSignal.timeout(timeoutMs),
      retry: false,
    });
    return list.items.map((p) => ({ name: p.metadata.name, stages: (p.spec?.stages ?? []).map((s) => s.name) }));
  } catch {
    return [];
  }
}
