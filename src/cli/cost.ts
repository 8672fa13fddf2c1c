/** `envstack cost`: what a claim will cost per month, before anyone applies it. */
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Flavor } from '../platform/compose/flavor.js';
import type { JsonObject, Unstructured } from '../core/json.js';
import type { CostFormat } from '../platform/cost/format.js';
import type { Estimate, PriceBook } from '../platform/cost/types.js';
import type { UsageField } from '../platform/cost/usage.js';
import { defineCommand, parseCommandArgs } from './args.js';

class CostUsageError extends Error {}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

interface Options {
  prices: PriceBook;
  usage?: { path: string; data: unknown };
  flavor: Flavor;
  group?: string;
}

/** Renders and prices every claim in a file; problems are printed, and `undefined` means the file failed. */
async function estimateFile(file: string, opts: Options): Promise<Estimate[] | undefined> {
  if (!existsSync(file)) throw new CostUsageError(`${file}: no such file`);
  const { loadAllObjects } = await import('../engine/index.js');
  const { estimate } = await import('../platform/cost/estimate.js');
  const { resolveUsage } = await import('../platform/cost/usage.js');
  let docs: Unstructured[];
  try {
    docs = loadAllObjects(readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`${display(file)}: not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  const claims = docs.filter((d) => d.kind === 'PlatformEnvironment');
  if (claims.length === 0) {
    console.error(`${display(file)}: no PlatformEnvironment claim`);
    return undefined;
  }
  const { validateClaim } = await import('../platform/validate/index.js');
  const { convergeClaim, convergeFailed, formatConvergeReport } =
    await import('../platform/render/converge.js');
  const { RenderError } = await import('../engine/index.js');
  const out: Estimate[] = [];
  for (const claim of claims) {
    const problems = validateClaim(claim, { group: opts.group });
    if (problems.length) {
      for (const p of problems) console.error(`${display(file)}: ${p.path}: ${p.message}`);
      return undefined;
    }
    try {
      const { result, report } = await convergeClaim({ claim, flavor: opts.flavor, group: opts.group });
      if (convergeFailed(report))
        for (const line of formatConvergeReport(report)) console.error(`${display(file)}: ${line}`);
      const spec = (result.input.spec ?? {}) as JsonObject;
      const usage = resolveUsage(String(spec.environment ?? 'dev'), opts.usage);
      out.push(
        estimate({
          composed: result.composed,
          spec,
          claim: String(claim.metadata?.name ?? ''),
          file: display(file),
          prices: opts.prices,
          usage,
        }),
      );
    } catch (e) {
      if (e instanceof RenderError) {
        console.error(`${display(file)}: cannot render composite resource: ${e.message}`);
        return undefined;
      }
      throw e;
    }
  }
  return out;
}

async function runCost(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      usage: { type: 'string' },
      prices: { type: 'string', multiple: true },
      diff: { type: 'boolean' },
      format: { type: 'string', short: 'o' },
      flavor: { type: 'string' },
      group: { type: 'string' },
    },
    true,
  );
  const { diffEstimates } = await import('../platform/cost/diff.js');
  const { formatDiff, formatEstimates } = await import('../platform/cost/format.js');
  const { OfferFileError, OfferPriceBook, readOfferFile } = await import('../platform/cost/offer.js');
  const { committedPriceBook, LayeredPriceBook } = await import('../platform/cost/pricebook.js');
  const { readUsageFile, resolveUsage, UsageFileError } = await import('../platform/cost/usage.js');
  const format = (values.format ?? 'text') as CostFormat;
  try {
    if (!['text', 'markdown', 'json'].includes(format))
      throw new CostUsageError(`--format must be text, markdown or json, got "${format}"`);
    const flavor = (values.flavor ?? 'claim') as Flavor;
    if (flavor !== 'claim' && flavor !== 'namespaced')
      throw new CostUsageError(`--flavor must be claim or namespaced, got "${flavor}"`);
    if (values.diff && positionals.length !== 2)
      throw new CostUsageError('--diff takes exactly two claim files: BASE.yaml NEW.yaml');
    if (positionals.length === 0) throw new CostUsageError('give one or more CLAIM files');
    const offers = (values.prices ?? []).map((f) => new OfferPriceBook(readOfferFile(f), display(f)));
    const prices = offers.length
      ? new LayeredPriceBook([...offers, committedPriceBook()])
      : committedPriceBook();
    const usage = values.usage
      ? { path: display(values.usage), data: readUsageFile(values.usage) }
      : undefined;
    if (usage) resolveUsage('prod', usage); // check the file once, before rendering anything
    const opts: Options = { prices, usage, flavor, group: values.group };

    const estimates: Estimate[][] = [];
    let failed = false;
    for (const file of positionals) {
      const e = await estimateFile(file, opts);
      if (e) estimates.push(e);
      else failed = true;
    }
    if (failed) return 1;
    if (values.diff) {
      const [base, next] = estimates;
      if (base.length !== 1 || next.length !== 1)
        throw new CostUsageError('--diff compares one claim with one claim: each file must hold exactly one');
      process.stdout.write(formatDiff(format, diffEstimates(base[0], next[0])));
      return 0;
    }
    process.stdout.write(formatEstimates(format, estimates.flat()));
    for (const o of offers)
      if (!estimates.flat().some((e) => e.priceSources.some((s) => s.source === o.file)))
        console.error(
          `envstack cost: ${o.describe()} priced nothing here (offer ${o.offerCode}, regions ${[...new Set(estimates.flat().flatMap((e) => e.regions.map((r) => r.region)))].join(', ')})`,
        );
    return 0;
  } catch (e) {
    if (e instanceof CostUsageError || e instanceof UsageFileError || e instanceof OfferFileError) {
      console.error(`envstack cost: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

export const cost = defineCommand({
  name: 'cost',
  summary:
    'what the claim costs a month, per component and resource, from list prices (or --diff two claims)',
  synopsis: [
    'envstack cost CLAIM... [--usage FILE] [--prices FILE]... [--format text|markdown|json] [--flavor claim|namespaced]',
    'envstack cost --diff BASE.yaml NEW.yaml [--usage FILE] [--prices FILE]... [--format text|markdown|json]',
  ],
  details: `Renders each claim to convergence and prices every composed resource per month, by component and
resource, for the claim's region and the DR region separately. Fixed cost (what the stack costs
standing still: instance-, gateway- and load-balancer-hours, storage, keys, alarms) and usage-based
cost (requests, data, stored objects, from the environment's usage profile) are shown apart.

  --usage FILE     YAML or JSON overriding the usage profile: top-level fields for every environment,
                   a dev:/staging:/prod: section for one (the fields are listed by --help)
  --prices FILE    an AWS Price List bulk offer file (e.g. .../offers/v1.0/aws/AmazonEC2/current/
                   eu-west-1/index.json) for exact, current prices; repeat for several services.
                   Anything it does not carry comes from the committed table src/platform/cost/prices.
  --diff BASE NEW  what NEW adds or saves against BASE, component by component
  --format, -o     text (default), markdown (a pull-request comment) or json
  --flavor         the composition flavor to render (default claim)
  --group GROUP    the API group of the XRDs (default platform.envstack.dev)

Prices are on-demand list prices: an estimate, not a bill. Every resource is either priced, or
listed as not priced with the reason ("no charge: …" when AWS charges nothing for it).`,
  examples: [
    'envstack cost examples/prod-dr.yaml',
    'envstack cost --diff examples/prod.yaml examples/prod-dr.yaml --format markdown',
  ],
  /** The usage and every usage field with what each profile assumes. */
  async help() {
    const { usageFields, usageProfiles } = await import('../platform/cost/usage.js');
    const names = Object.keys(usageFields) as UsageField[];
    const width = Math.max(...names.map((n) => n.length));
    const n = new Intl.NumberFormat('en-US');
    const lines = names.map(
      (f) =>
        `  ${f.padEnd(width)}  ${['dev', 'staging', 'prod'].map((e) => n.format(usageProfiles[e as 'dev'][f])).join(' / ')}: ${usageFields[f]}`,
    );
    return `${cost.usage}\n\nUsage profile, per month (dev / staging / prod):\n${lines.join('\n')}`;
  },
  run: runCost,
});
