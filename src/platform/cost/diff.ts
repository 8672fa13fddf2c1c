/** What a change to a claim adds or saves: component by component, region by region, item by item. */
import { componentRank } from './estimate.js';
import type { CostItem, Estimate } from './types.js';

export interface ComponentChange {
  component: string;
  baseFixed: number;
  newFixed: number;
  fixedDelta: number;
  baseUsage: number;
  newUsage: number;
  usageDelta: number;
}

export interface RegionChange {
  region: string;
  fixedDelta: number;
  usageDelta: number;
}

export interface ItemChange {
  change: 'added' | 'removed' | 'changed';
  component: string;
  resource: string;
  kind: string;
  region: string;
  what: string;
  usage: boolean;
  base: number;
  new: number;
  delta: number;
}

export interface CostDiff {
  base: { claim: string; file?: string; fixedMonthly: number; usageMonthly: number; pricesDate: string };
  new: { claim: string; file?: string; fixedMonthly: number; usageMonthly: number; pricesDate: string };
  currency: 'USD';
  fixedDelta: number;
  usageDelta: number;
  components: ComponentChange[];
  regions: RegionChange[];
  items: ItemChange[];
  /** Resources priced on one side and not priced on the other (reasons differ). */
  notPriced: { side: 'base' | 'new'; resource: string; kind: string; reason: string }[];
}

const c = (usd: number) => Math.round(usd * 100);
const total = (items: CostItem[]) => items.reduce((a, i) => a + c(i.monthly), 0) / 100;
const itemKey = (i: CostItem) => [i.resource, i.service, i.key, i.region, i.usage].join('\u0000');

export function diffEstimates(base: Estimate, next: Estimate): CostDiff {
  const components = [...new Set([...base.items, ...next.items].map((i) => i.component))].sort(
    (a, b) => componentRank(a) - componentRank(b) || a.localeCompare(b),
  );
  const side = (e: Estimate, component: string, usage: boolean) =>
    total(e.items.filter((i) => i.component === component && i.usage === usage));
  const componentChanges = components
    .map((component) => {
      const baseFixed = side(base, component, false);
      const newFixed = side(next, component, false);
      const baseUsage = side(base, component, true);
      const newUsage = side(next, component, true);
      return {
        component,
        baseFixed,
        newFixed,
        fixedDelta: (c(newFixed) - c(baseFixed)) / 100,
        baseUsage,
        newUsage,
        usageDelta: (c(newUsage) - c(baseUsage)) / 100,
      };
    })
    .filter((x) => x.fixedDelta !== 0 || x.usageDelta !== 0);

  const regionNames = [...new Set([...base.regions, ...next.regions].map((r) => r.region))];
  const regions = regionNames
    .map((region) => {
      const b = base.regions.find((r) => r.region === region);
      const n = next.regions.find((r) => r.region === region);
      return {
        region,
        fixedDelta: (c(n?.fixedMonthly ?? 0) - c(b?.fixedMonthly ?? 0)) / 100,
        usageDelta: (c(n?.usageMonthly ?? 0) - c(b?.usageMonthly ?? 0)) / 100,
      };
    })
    .filter((r) => r.fixedDelta !== 0 || r.usageDelta !== 0);

  const before = new Map(base.items.map((i) => [itemKey(i), i]));
  const after = new Map(next.items.map((i) => [itemKey(i), i]));
  const items: ItemChange[] = [];
  for (const [k, n] of after) {
    const b = before.get(k);
    if (b && c(b.monthly) === c(n.monthly)) continue;
    items.push({
      change: b ? 'changed' : 'added',
      component: n.component,
      resource: n.resource,
      kind: n.kind,
      region: n.region,
      what: n.what,
      usage: n.usage,
      base: b?.monthly ?? 0,
      new: n.monthly,
      delta: (c(n.monthly) - c(b?.monthly ?? 0)) / 100,
    });
  }
  for (const [k, b] of before) {
    if (after.has(k)) continue;
    items.push({
      change: 'removed',
      component: b.component,
      resource: b.resource,
      kind: b.kind,
      region: b.region,
      what: b.what,
      usage: b.usage,
      base: b.monthly,
      new: 0,
      delta: -b.monthly,
    });
  }
  items.sort(
    (a, b) =>
      Number(a.usage) - Number(b.usage) ||
      componentRank(a.component) - componentRank(b.component) ||
      a.resource.localeCompare(b.resource) ||
      a.what.localeCompare(b.what),
  );

  const reasons = (e: Estimate) => new Map(e.notPriced.map((n) => [`${n.resource}\u0000${n.reason}`, n]));
  const baseReasons = reasons(base);
  const newReasons = reasons(next);
  const notPriced = [
    ...[...baseReasons].filter(([k]) => !newReasons.has(k)).map(([, n]) => ({ side: 'base' as const, ...n })),
    ...[...newReasons].filter(([k]) => !baseReasons.has(k)).map(([, n]) => ({ side: 'new' as const, ...n })),
  ].filter((n) => !n.reason.startsWith('no charge'));

  const summary = (e: Estimate) => ({
    claim: e.claim,
    ...(e.file ? { file: e.file } : {}),
    fixedMonthly: e.fixedMonthly,
    usageMonthly: e.usageMonthly,
    pricesDate: e.pricesDate,
  });
  return {
    base: summary(base),
    new: summary(next),
    currency: 'USD',
    fixedDelta: (c(next.fixedMonthly) - c(base.fixedMonthly)) / 100,
    usageDelta: (c(next.usageMonthly) - c(base.usageMonthly)) / 100,
    components: componentChanges,
    regions,
    items,
    notPriced,
  };
}
