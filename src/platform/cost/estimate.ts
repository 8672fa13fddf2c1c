/** Turns a converged render into a monthly estimate: items per resource, what is not priced, totals. */
import type { JsonObject, Unstructured } from '../../core/json.js';
import { committedPriceBook } from './pricebook.js';
import { COMMITTED_TABLE } from './prices/index.js';
import { isObject, num, str, toCostResource } from './resources.js';
import { ruleFor, type RuleContext } from './rules.js';
import type {
  CostItem,
  Estimate,
  NotPriced,
  Price,
  PriceBook,
  PriceSourceUse,
  RegionTotal,
} from './types.js';
import { resolveUsage, type ResolvedUsage } from './usage.js';
import { components } from '../compose/names.js';

export interface EstimateInput {
  /** The composed resources of a converged render. */
  composed: readonly Unstructured[];
  /** The claim's spec (with defaults applied). */
  spec: JsonObject;
  /** The claim's name. */
  claim: string;
  file?: string;
  prices?: PriceBook;
  usage?: ResolvedUsage;
  /** For the age of the prices; today when omitted. */
  now?: Date;
}

const cents = (usd: number) => Math.round(usd * 100);
const fromCents = (c: number) => c / 100;

/** A price's origin for the output: the committed table (its page is per item) or an offer file. */
const sourceOf = (p: Price) => (/^https?:\/\//.test(p.source) ? COMMITTED_TABLE : p.source);

export function ageInDays(date: string, now: Date): number {
  const then = Date.parse(`${date}T00:00:00Z`);
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Math.max(0, Math.round((today - then) / 86_400_000));
}

export function estimate(input: EstimateInput): Estimate {
  const spec = input.spec;
  const environment = str(spec.environment) ?? 'dev';
  const region = str(spec.region) ?? 'us-east-1';
  const dr = isObject(spec.dr) ? spec.dr : {};
  const drRegion = dr.enabled === true ? str(dr.region) : undefined;
  const prices = input.prices ?? committedPriceBook();
  const usage = input.usage ?? resolveUsage(environment);
  const now = input.now ?? new Date();

  const resources = input.composed.map((o) => toCostResource(o, region));
  const ctx: RuleContext = { resources, spec, usage: usage.profile, region };
  const items: CostItem[] = [];
  const notPriced: NotPriced[] = [];
  const used: Price[] = [];

  for (const r of resources) {
    const rule = ruleFor(r.kind);
    if (!rule) {
      notPriced.push({
        resource: r.name,
        kind: r.kind,
        reason: `not priced: envstack has no pricing rule for ${r.kind} (add one to src/platform/cost/rules.ts)`,
      });
      continue;
    }
    if ('noCharge' in rule) {
      notPriced.push({ resource: r.name, kind: r.kind, reason: `no charge: ${rule.noCharge}` });
      continue;
    }
    const result = rule.price(r, ctx);
    if (result.charges.length === 0)
      notPriced.push({
        resource: r.name,
        kind: r.kind,
        reason: result.reason ?? 'not priced: no charge applies',
      });
    for (const c of result.charges) {
      const where = c.region ?? r.region;
      const price = prices.lookup(c.service, c.key, where);
      if (!price) {
        notPriced.push({
          resource: r.name,
          kind: r.kind,
          reason: `not priced: ${c.what}: no ${c.service} price for "${c.key}" in ${where} in the ${prices.describe()}; pass --prices with that region's AWS Price List offer file`,
        });
        continue;
      }
      used.push(price);
      items.push({
        component: r.component,
        resource: r.name,
        kind: r.kind,
        region: where,
        what: c.what,
        quantity: c.quantity,
        unit: price.unit,
        unitPrice: price.usdPerUnit,
        monthly: fromCents(cents(c.quantity * price.usdPerUnit)),
        usage: c.usage,
        service: c.service,
        key: c.key,
        priceSource: price.source,
        priceDate: price.date,
      });
    }
    for (const note of result.notes ?? []) notPriced.push({ resource: r.name, kind: r.kind, reason: note });
  }

  const sum = (list: CostItem[]) => fromCents(list.reduce((a, i) => a + cents(i.monthly), 0));
  const regionOrder = [region, ...(drRegion ? [drRegion] : [])];
  const allRegions = [...new Set([...regionOrder, ...items.map((i) => i.region).sort()])];
  const regions: RegionTotal[] = allRegions
    .map((rg) => ({
      region: rg,
      fixedMonthly: sum(items.filter((i) => i.region === rg && !i.usage)),
      usageMonthly: sum(items.filter((i) => i.region === rg && i.usage)),
    }))
    .filter((t) => regionOrder.includes(t.region) || t.fixedMonthly > 0 || t.usageMonthly > 0);

  const bySource = new Map<string, Price[]>();
  for (const p of used) bySource.set(sourceOf(p), [...(bySource.get(sourceOf(p)) ?? []), p]);
  // Offer files first (they take precedence), the committed table last.
  const sources = [...bySource.entries()].sort(
    ([a], [b]) => Number(a === COMMITTED_TABLE) - Number(b === COMMITTED_TABLE) || a.localeCompare(b),
  );
  const priceSources: PriceSourceUse[] = sources.map(([source, list]) => {
    const date = list.map((p) => p.date).sort()[0];
    return {
      source,
      date,
      ageDays: ageInDays(date, now),
      prices: new Set(list.map((p) => `${p.service} ${p.key} ${p.region}`)).size,
      unchecked: new Set(
        list.filter((p) => p.checked === false).map((p) => `${p.service} ${p.key} ${p.region}`),
      ).size,
    };
  });
  const pricesDate = used.map((p) => p.date).sort()[0] ?? '';

  const budgetResource = resources.find((r) => r.kind === 'budgets/Budget');
  const compliance = isObject(spec.compliance) ? spec.compliance : {};
  const budgetSpec = isObject(compliance.budget) ? num(compliance.budget.monthlyUsd) : undefined;
  const budgetMonthly = num(budgetResource?.forProvider.limitAmount) ?? budgetSpec;

  return {
    claim: input.claim,
    ...(input.file ? { file: input.file } : {}),
    environment,
    region,
    ...(drRegion ? { drRegion } : {}),
    currency: 'USD',
    pricesDate,
    fixedMonthly: sum(items.filter((i) => !i.usage)),
    usageMonthly: sum(items.filter((i) => i.usage)),
    regions,
    ...(budgetMonthly !== undefined ? { budgetMonthly } : {}),
    usageProfile: usage.name,
    priceSources,
    items: sortItems(items),
    notPriced,
  };
}

export function componentRank(c: string): number {
  const i = (components as readonly string[]).indexOf(c);
  return i < 0 ? components.length : i;
}

function sortItems(items: CostItem[]): CostItem[] {
  return [...items].sort(
    (a, b) =>
      Number(a.usage) - Number(b.usage) ||
      componentRank(a.component) - componentRank(b.component) ||
      a.component.localeCompare(b.component) ||
      a.resource.localeCompare(b.resource),
  );
}
