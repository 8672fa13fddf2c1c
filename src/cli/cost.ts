/** `envstack cost`: what a claim will cost per month, before anyone applies it. */
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { Flavor } from '../platform/compose/flavor.js';
import type { JsonObject, Unstructured } from '../core/json.js';
import { loadAllObjects } from '../engine/index.js';
import { diffEstimates } from '../platform/cost/diff.js';
import { estimate } from '../platform/cost/estimate.js';
import { formatDiff, formatEstimates, type CostFormat } from '../platform/cost/format.js';
import { OfferFileError, OfferPriceBook, readOfferFile } from '../platform/cost/offer.js';
import { committedPriceBook, LayeredPriceBook } from '../platform/cost/pricebook.js';
import type { Estimate, PriceBook } from '../platform/cost/types.js';
import {
  readUsageFile,
  resolveUsage,
  UsageFileError,
  usageFields,
  usageProfiles,
  type UsageField,
} from '../platform/cost/usage.js';

export const costUsage = `Usage: envstack cost CLAIM... [--usage FILE] [--prices FILE]... [--format text|markdown|json] [--flavor claim|namespaced]
       envstack cost --diff BASE.yaml NEW.yaml [--usage FILE] [--prices FILE]... [--format text|markdown|json]

Renders each claim to convergence and prices every composed resource per month, by component and
resource, for the claim's region and the DR region separately. Fixed cost (what the stack costs
standing still: instance-, gateway- and load-balancer-hours, storage, keys, alarms) and usage-based
cost (requests, data, stored objects, from the environment's usage profile) are shown apart.

  --usage FILE     YAML or JSON overriding the usage profile: top-level fields for every environment,
                   a dev:/staging:/prod: section for one (the fields are listed below)
  --prices FILE    an AWS Price List bulk offer file (e.g. .../offers/v1.0/aws/AmazonEC2/current/
                   eu-west-1/index.json) for exact, current prices; repeat for several services.
                   Anything it does not carry comes from the committed table src/platform/cost/prices.
  --diff BASE NEW  what NEW adds or saves against BASE, component by component
  --format, -o     text (default), markdown (a pull-request comment) or json
  --flavor         the composition flavor to render (default claim)

Prices are on-demand list prices: an estimate, not a bill. Every resource is either priced, or
listed as not priced with the reason ("no charge: …" when AWS charges nothing for it).`;

/** The usage text and, for --help, every usage field with what each profile assumes. */
export function costHelp(): string {
  const names = Object.keys(usageFields) as UsageField[];
  const width = Math.max(...names.map((n) => n.length));
  const n = new Intl.NumberFormat('en-US');
  const lines = names.map(
    (f) =>
      `  ${f.padEnd(width)}  ${['dev', 'staging', 'prod'].map((e) => n.format(usageProfiles[e as 'dev'][f])).join(' / ')}: ${usageFields[f]}`,
  );
  return `${costUsage}\n\nUsage profile, per month (dev / staging / prod):\n${lines.join('\n')}`;
}

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

export async function costCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        usage: { type: 'string' },
        prices: { type: 'string', multiple: true },
        diff: { type: 'boolean' },
        format: { type: 'string', short: 'o' },
        flavor: { type: 'string' },
        group: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    console.error(`envstack cost: ${e instanceof Error ? e.message : String(e)}\n\n${costUsage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(costHelp());
    return 0;
  }
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
