/**
 * Counting composed resources the way the live benchmark does: one list per managed-resource kind with
 * Crossplane's composite label, every 250 ms. A kind whose count and Ready count have reached what the
 * converged render predicts is not listed again (nothing in a create run takes a Ready resource back),
 * which keeps the bench's own load on the API server falling as the environment completes.
 */
import type { CustomObjectsApi } from '@kubernetes/client-node';
import type { Unstructured } from '../src/engine/render/fnapi.js';
import type { ManagedKind } from '../src/ops/sandbox/standin.js';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export const conditionOf = (u: Unstructured | undefined, type: string): Condition | undefined =>
  ((u?.status?.conditions ?? []) as Condition[]).find((c) => c.type === type);
export const isTrue = (u: Unstructured | undefined, type: string) => conditionOf(u, type)?.status === 'True';
export const kindKey = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`;
export const keyOfKind = (k: ManagedKind) => kindKey(`${k.group}/${k.version}`, k.kind);
/** Managed resources proper: the provider's kinds, not Crossplane's Usages. */
export const isProviderKind = (key: string) => key.split('/')[0].endsWith('.upbound.io');

export interface KindCount {
  n: number;
  ready: number;
}

export const sumOf = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

export function countsOf(
  kinds: ReadonlyMap<string, KindCount>,
  only: (key: string) => boolean = () => true,
): KindCount {
  let n = 0;
  let ready = 0;
  for (const [k, c] of kinds)
    if (only(k)) {
      n += c.n;
      ready += c.ready;
    }
  return { n, ready };
}

export function expectedOf(
  predicted: ReadonlyMap<string, number>,
  only: (key: string) => boolean = () => true,
): number {
  let n = 0;
  for (const [k, v] of predicted) if (only(k)) n += v;
  return n;
}

export class MrPoller {
  private readonly done = new Set<string>();
  private readonly latest = new Map<string, KindCount>();

  constructor(
    private readonly api: CustomObjectsApi,
    private readonly kinds: readonly ManagedKind[],
    private readonly expected: ReadonlyMap<string, number>,
  ) {
    for (const k of kinds) this.latest.set(keyOfKind(k), { n: 0, ready: 0 });
  }

  /** Lists every kind not yet complete; returns a copy of the counts of all kinds. */
  async poll(labelSelector: string): Promise<Map<string, KindCount>> {
    await Promise.all(
      this.kinds.map(async (k) => {
        const key = keyOfKind(k);
        if (this.done.has(key)) return;
        const res = (await this.api
          .listClusterCustomObject({ group: k.group, version: k.version, plural: k.plural, labelSelector })
          .catch(() => ({ items: [] }))) as { items?: Unstructured[] };
        const items = res.items ?? [];
        const count = { n: items.length, ready: items.filter((i) => isTrue(i, 'Ready')).length };
        this.latest.set(key, count);
        const want = this.expected.get(key) ?? 0;
        if (count.n === want && count.ready === want) this.done.add(key);
      }),
    );
    return new Map([...this.latest].map(([k, v]) => [k, { ...v }]));
  }
}
