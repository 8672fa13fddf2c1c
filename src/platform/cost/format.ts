/** Prints estimates and diffs: aligned text for a terminal, Markdown for a pull request, JSON for tools. */
import type { CostDiff } from './diff.js';
import { componentRank } from './estimate.js';
import type { CostItem, Estimate, NotPriced } from './types.js';

export type CostFormat = 'text' | 'markdown' | 'json';

const usdFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function usd(n: number): string {
  const s = usdFormat.format(Math.abs(n));
  return n < 0 ? `-$${s}` : `$${s}`;
}

function signedUsd(n: number): string {
  return n > 0 ? `+${usd(n)}` : n < 0 ? usd(n) : usd(0);
}

function quantity(q: number): string {
  return new Intl.NumberFormat('en-US', { maximumSignificantDigits: q >= 1e6 ? 21 : 6 }).format(q);
}

/** How a Price List unit reads after "per": singular for one unit, plural for a thousand or a million. */
const unitNames: Record<string, [string, string]> = {
  Hrs: ['hour', 'hours'],
  GB: ['GB', 'GB'],
  'GB-Mo': ['GB-month', 'GB-months'],
  'LCU-Hrs': ['LCU-hour', 'LCU-hours'],
  'Key-Mo': ['key-month', 'key-months'],
  'Secret-Mo': ['secret-month', 'secret-months'],
  'Alarm-Mo': ['alarm-month', 'alarm-months'],
  'Dashboard-Mo': ['dashboard-month', 'dashboard-months'],
  'Metric-Mo': ['metric-month', 'metric-months'],
  Requests: ['request', 'requests'],
  'GB-Seconds': ['GB-second', 'GB-seconds'],
  IOs: ['I/O', 'I/Os'],
  ReadRequestUnits: ['read request unit', 'read request units'],
  WriteRequestUnits: ['write request unit', 'write request units'],
  'ReadCapacityUnit-Hrs': ['RCU-hour', 'RCU-hours'],
  'WriteCapacityUnit-Hrs': ['WCU-hour', 'WCU-hours'],
  ConfigurationItemRecorded: ['configuration item', 'configuration items'],
  ConfigRuleEvaluations: ['rule evaluation', 'rule evaluations'],
  Events: ['event', 'events'],
  Notifications: ['notification', 'notifications'],
};

function money(n: number): string {
  const fixed2 = Math.round(n * 100) / 100 === n;
  return fixed2
    ? `$${usdFormat.format(n)}`
    : `$${new Intl.NumberFormat('en-US', { maximumSignificantDigits: 6 }).format(n)}`;
}

/** `$0.048 per hour`; tiny prices per thousand or million units, as the pricing pages quote them. */
export function unitPrice(price: number, unit: string): string {
  const [one, many] = unitNames[unit] ?? [unit, unit];
  if (price === 0 || price >= 0.001) return `${money(price)} per ${one}`;
  const [scale, label] = price * 1e3 >= 0.01 ? [1e3, '1K'] : [1e6, '1M'];
  return `${money(Number((price * scale).toPrecision(10)))} per ${label} ${many}`;
}

function table(header: string[], rows: string[][], right: ReadonlySet<number>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

const sumCents = (items: CostItem[]) => items.reduce((a, i) => a + Math.round(i.monthly * 100), 0) / 100;

function regionLabel(e: Estimate, region: string): string {
  if (region === e.region) return `${region} (primary)`;
  if (region === e.drRegion) return `${region} (DR)`;
  return region;
}

function itemRows(items: CostItem[]): string[][] {
  const rows: string[][] = [];
  const components = [...new Set(items.map((i) => i.component))];
  for (const component of components) {
    const mine = items.filter((i) => i.component === component);
    for (const i of mine)
      rows.push([
        component,
        i.resource,
        i.what,
        `${quantity(i.quantity)} ${i.unit}`,
        unitPrice(i.unitPrice, i.unit),
        usd(i.monthly),
        i.region,
      ]);
    const byRegion = [...new Set(mine.map((i) => i.region))];
    const split =
      byRegion.length > 1
        ? byRegion.map((r) => `${r} ${usd(sumCents(mine.filter((i) => i.region === r)))}`).join(' + ')
        : '';
    rows.push([component, 'total', split, '', '', usd(sumCents(mine)), '']);
    rows.push(['', '', '', '', '', '', '']);
  }
  rows.pop();
  return rows;
}

function pricesLine(e: Estimate): string {
  const parts = e.priceSources.map(
    (s) =>
      `${s.source}, ${s.prices} price${s.prices === 1 ? '' : 's'} dated ${s.date} (${s.ageDays} day${s.ageDays === 1 ? '' : 's'} old${s.unchecked ? `; ${s.unchecked} of them unchecked` : ''})`,
  );
  return `Prices: ${parts.join('; ') || 'none used'}`;
}

function groupFree(notPriced: NotPriced[]): string[] {
  const counts = new Map<string, number>();
  for (const n of notPriced) counts.set(n.kind, (counts.get(n.kind) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ×${n}`);
}

function wrap(words: string[], width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const next = line ? `${line}, ${w}` : w;
    if (line && indent.length + next.length > width) {
      lines.push(`${indent}${line},`);
      line = w;
    } else line = next;
  }
  if (line) lines.push(`${indent}${line}`);
  return lines;
}

const HEADER = ['COMPONENT', 'RESOURCE', 'PRICED', 'QUANTITY', 'UNIT PRICE', 'MONTHLY', 'REGION'];
const RIGHT = new Set([3, 5]);

function formatEstimateText(e: Estimate): string {
  const out: string[] = [];
  const where = e.drRegion ? `${e.region}, DR in ${e.drRegion}` : e.region;
  out.push(`${e.file ? `${e.file}: ` : ''}${e.claim} (${e.environment}) in ${where}`);
  out.push(pricesLine(e));
  out.push('');
  const fixed = e.items.filter((i) => !i.usage);
  const usage = e.items.filter((i) => i.usage);
  out.push(
    `Fixed monthly cost (what the stack costs standing still; a month is 730 hours): ${usd(e.fixedMonthly)}`,
  );
  out.push(...table(HEADER, itemRows(fixed), RIGHT).map((l) => `  ${l}`.trimEnd()));
  out.push('');
  out.push(
    `Usage-based monthly cost (from the ${e.usageProfile}; --usage FILE to change): ${usd(e.usageMonthly)}`,
  );
  out.push(...table(HEADER, itemRows(usage), RIGHT).map((l) => `  ${l}`.trimEnd()));
  out.push('');
  const totals = e.regions.map((r) => [
    regionLabel(e, r.region),
    usd(r.fixedMonthly),
    usd(r.usageMonthly),
    usd((Math.round(r.fixedMonthly * 100) + Math.round(r.usageMonthly * 100)) / 100),
  ]);
  totals.push([
    'all regions',
    usd(e.fixedMonthly),
    usd(e.usageMonthly),
    usd((Math.round(e.fixedMonthly * 100) + Math.round(e.usageMonthly * 100)) / 100),
  ]);
  out.push('Monthly total');
  out.push(
    ...table(['REGION', 'FIXED', 'USAGE', 'TOTAL'], totals, new Set([1, 2, 3])).map((l) =>
      `  ${l}`.trimEnd(),
    ),
  );
  if (e.budgetMonthly !== undefined) {
    const share = Math.round((e.fixedMonthly / e.budgetMonthly) * 100);
    out.push(
      `  Budget: ${usd(e.budgetMonthly)} a month; the fixed estimate is ${share}% of it${e.fixedMonthly > e.budgetMonthly ? ' — over budget before any usage' : ''}.`,
    );
  }
  const unpriced = e.notPriced.filter((n) => !n.reason.startsWith('no charge'));
  const free = e.notPriced.filter((n) => n.reason.startsWith('no charge'));
  out.push('');
  out.push(`Not priced (${unpriced.length}):${unpriced.length ? '' : ' nothing'}`);
  for (const n of unpriced) out.push(`  ${n.resource} (${n.kind}): ${n.reason}`);
  out.push('');
  out.push(`No charge (${free.length} resources; --format json gives each with its reason):`);
  out.push(...wrap(groupFree(free), 110, '  '));
  return `${out.join('\n')}\n`;
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function formatEstimateMarkdown(e: Estimate): string {
  const out: string[] = [];
  const total = (Math.round(e.fixedMonthly * 100) + Math.round(e.usageMonthly * 100)) / 100;
  out.push(
    `### ${e.claim}: ${usd(e.fixedMonthly)} fixed + ${usd(e.usageMonthly)} usage = ${usd(total)} a month`,
  );
  out.push('');
  out.push('| component | region | fixed | usage |');
  out.push('|---|---|---:|---:|');
  const components = [...new Set(e.items.map((i) => i.component))].sort(
    (a, b) => componentRank(a) - componentRank(b) || a.localeCompare(b),
  );
  for (const component of components)
    for (const region of [
      ...new Set(e.items.filter((i) => i.component === component).map((i) => i.region)),
    ]) {
      const mine = e.items.filter((i) => i.component === component && i.region === region);
      out.push(
        `| ${component} | ${region} | ${usd(sumCents(mine.filter((i) => !i.usage)))} | ${usd(sumCents(mine.filter((i) => i.usage)))} |`,
      );
    }
  for (const r of e.regions)
    out.push(
      `| **${regionLabel(e, r.region)}** | | **${usd(r.fixedMonthly)}** | **${usd(r.usageMonthly)}** |`,
    );
  out.push(`| **total** | | **${usd(e.fixedMonthly)}** | **${usd(e.usageMonthly)}** |`);
  out.push('');
  if (e.budgetMonthly !== undefined)
    out.push(
      `Budget ${usd(e.budgetMonthly)} a month: the fixed estimate is ${Math.round((e.fixedMonthly / e.budgetMonthly) * 100)}% of it.`,
      '',
    );
  out.push('<details><summary>Every priced item</summary>', '');
  out.push('| | component | resource | priced | quantity | unit price | monthly | region |');
  out.push('|---|---|---|---|---:|---|---:|---|');
  for (const i of e.items)
    out.push(
      `| ${i.usage ? 'usage' : 'fixed'} | ${i.component} | ${i.resource} | ${mdEscape(i.what)} | ${quantity(i.quantity)} ${i.unit} | ${unitPrice(i.unitPrice, i.unit)} | ${usd(i.monthly)} | ${i.region} |`,
    );
  out.push('', '</details>', '');
  const unpriced = e.notPriced.filter((n) => !n.reason.startsWith('no charge'));
  if (unpriced.length) {
    out.push('Not priced:', '');
    for (const n of unpriced) out.push(`- \`${n.resource}\` (${n.kind}): ${mdEscape(n.reason)}`);
    out.push('');
  }
  const free = e.notPriced.filter((n) => n.reason.startsWith('no charge'));
  out.push(`No charge: ${groupFree(free).join(', ')}.`, '');
  out.push(`${pricesLine(e)}. Usage from the ${e.usageProfile}. Estimates from list prices, not a bill.`);
  return `${out.join('\n')}\n`;
}

/** The JSON of one estimate: `{claim, currency, pricesDate, fixedMonthly, usageMonthly, items, notPriced, …}`. */
export function estimateJson(e: Estimate): Record<string, unknown> {
  return {
    claim: e.claim,
    ...(e.file ? { file: e.file } : {}),
    currency: e.currency,
    pricesDate: e.pricesDate,
    fixedMonthly: e.fixedMonthly,
    usageMonthly: e.usageMonthly,
    environment: e.environment,
    region: e.region,
    ...(e.drRegion ? { drRegion: e.drRegion } : {}),
    regions: e.regions,
    ...(e.budgetMonthly !== undefined ? { budgetMonthly: e.budgetMonthly } : {}),
    usageProfile: e.usageProfile,
    priceSources: e.priceSources,
    items: e.items.map((i) => ({
      component: i.component,
      resource: i.resource,
      kind: i.kind,
      region: i.region,
      what: i.what,
      quantity: i.quantity,
      unit: i.unit,
      unitPrice: i.unitPrice,
      monthly: i.monthly,
      usage: i.usage,
      service: i.service,
      key: i.key,
      priceSource: i.priceSource,
      priceDate: i.priceDate,
    })),
    notPriced: e.notPriced.map(({ resource, kind, reason }) => ({ resource, kind, reason })),
  };
}

export function formatEstimates(format: CostFormat, estimates: Estimate[]): string {
  if (format === 'json') {
    const json = estimates.map(estimateJson);
    return `${JSON.stringify(json.length === 1 ? json[0] : json, null, 2)}\n`;
  }
  const f = format === 'markdown' ? formatEstimateMarkdown : formatEstimateText;
  return estimates.map(f).join('\n');
}

const label = (s: { claim: string; file?: string }) => s.file ?? s.claim;

function formatDiffText(d: CostDiff): string {
  const out: string[] = [];
  out.push(`Cost change ${label(d.base)} → ${label(d.new)}`);
  out.push(
    `  fixed ${usd(d.base.fixedMonthly)} → ${usd(d.new.fixedMonthly)} (${signedUsd(d.fixedDelta)} a month); usage ${usd(d.base.usageMonthly)} → ${usd(d.new.usageMonthly)} (${signedUsd(d.usageDelta)})`,
  );
  out.push('');
  const rows = d.components.map((c) => [
    c.component,
    usd(c.baseFixed),
    usd(c.newFixed),
    signedUsd(c.fixedDelta),
    usd(c.baseUsage),
    usd(c.newUsage),
    signedUsd(c.usageDelta),
  ]);
  rows.push([
    'total',
    usd(d.base.fixedMonthly),
    usd(d.new.fixedMonthly),
    signedUsd(d.fixedDelta),
    usd(d.base.usageMonthly),
    usd(d.new.usageMonthly),
    signedUsd(d.usageDelta),
  ]);
  out.push(
    ...table(
      ['COMPONENT', 'BASE FIXED', 'NEW FIXED', 'CHANGE', 'BASE USAGE', 'NEW USAGE', 'CHANGE'],
      rows,
      new Set([1, 2, 3, 4, 5, 6]),
    ).map((l) => `  ${l}`.trimEnd()),
  );
  if (d.regions.length) {
    out.push('');
    out.push('By region');
    out.push(
      ...table(
        ['REGION', 'FIXED', 'USAGE'],
        d.regions.map((r) => [r.region, signedUsd(r.fixedDelta), signedUsd(r.usageDelta)]),
        new Set([1, 2]),
      ).map((l) => `  ${l}`.trimEnd()),
    );
  }
  if (d.items.length) {
    out.push('');
    out.push('Items');
    out.push(
      ...table(
        ['', 'COMPONENT', 'RESOURCE', 'PRICED', 'REGION', 'BASE', 'NEW', 'CHANGE'],
        d.items.map((i) => [
          `${i.change === 'added' ? '+' : i.change === 'removed' ? '-' : '~'} ${i.usage ? 'usage' : 'fixed'}`,
          i.component,
          i.resource,
          i.what,
          i.region,
          usd(i.base),
          usd(i.new),
          signedUsd(i.delta),
        ]),
        new Set([5, 6, 7]),
      ).map((l) => `  ${l}`.trimEnd()),
    );
  }
  for (const n of d.notPriced) out.push(`  not priced in ${n.side}: ${n.resource} (${n.kind}): ${n.reason}`);
  return `${out.join('\n')}\n`;
}

function formatDiffMarkdown(d: CostDiff): string {
  const out: string[] = [];
  out.push(`### Cost change: ${signedUsd(d.fixedDelta)} fixed, ${signedUsd(d.usageDelta)} usage a month`);
  out.push('');
  out.push(
    `\`${label(d.base)}\` ${usd(d.base.fixedMonthly)} → \`${label(d.new)}\` ${usd(d.new.fixedMonthly)} fixed a month (usage ${usd(d.base.usageMonthly)} → ${usd(d.new.usageMonthly)}).`,
  );
  out.push('');
  out.push('| component | fixed before | fixed after | change | usage change |');
  out.push('|---|---:|---:|---:|---:|');
  for (const c of d.components)
    out.push(
      `| ${c.component} | ${usd(c.baseFixed)} | ${usd(c.newFixed)} | ${signedUsd(c.fixedDelta)} | ${signedUsd(c.usageDelta)} |`,
    );
  out.push(
    `| **total** | **${usd(d.base.fixedMonthly)}** | **${usd(d.new.fixedMonthly)}** | **${signedUsd(d.fixedDelta)}** | **${signedUsd(d.usageDelta)}** |`,
  );
  if (d.regions.length) {
    out.push('');
    out.push(
      `By region: ${d.regions.map((r) => `${r.region} ${signedUsd(r.fixedDelta)} fixed, ${signedUsd(r.usageDelta)} usage`).join('; ')}.`,
    );
  }
  if (d.items.length) {
    out.push('', '<details><summary>Changed items</summary>', '');
    out.push('| | component | resource | priced | region | change |');
    out.push('|---|---|---|---|---|---:|');
    for (const i of d.items)
      out.push(
        `| ${i.change} ${i.usage ? 'usage' : 'fixed'} | ${i.component} | ${i.resource} | ${mdEscape(i.what)} | ${i.region} | ${signedUsd(i.delta)} |`,
      );
    out.push('', '</details>');
  }
  for (const n of d.notPriced)
    out.push('', `Not priced in ${n.side}: \`${n.resource}\` (${n.kind}): ${mdEscape(n.reason)}`);
  out.push('', `Prices dated ${d.new.pricesDate}; estimates from list prices, not a bill.`);
  return `${out.join('\n')}\n`;
}

export function formatDiff(format: CostFormat, d: CostDiff): string {
  if (format === 'json') return `${JSON.stringify(d, null, 2)}\n`;
  return format === 'markdown' ? formatDiffMarkdown(d) : formatDiffText(d);
}
