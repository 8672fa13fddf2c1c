/** The shapes `envstack cost` reads and prints. */

/** One price: what one unit of something costs in one region, and where the figure was read. */
export interface Price {
  /** The AWS Price List offer code: `AmazonEC2`, `AmazonRDS`, … */
  service: string;
  /** What is priced, inside the service: `instance:m7g.large`, `nat-gateway:hours`, … */
  key: string;
  /** An AWS region, or `global` for services priced once for all regions (Route 53). */
  region: string;
  /** The unit the price is for: `Hrs`, `GB-Mo`, `Requests`, … */
  unit: string;
  /** USD for one unit (the table's `usd / per`). */
  usdPerUnit: number;
  description: string;
  /** The day the figure was read or published (YYYY-MM-DD). */
  date: string;
  /** The public page or offer file the figure comes from. */
  source: string;
  /** `false` when no public source confirmed the figure (the committed table marks these). */
  checked?: false;
}

/** Finds prices. Layered: an offer file given with `--prices` first, then the committed table. */
export interface PriceBook {
  lookup(service: string, key: string, region: string): Price | undefined;
  /** Says what the book is, for messages about a missing price. */
  describe(): string;
}

/** What a pricing rule asks for: a quantity of one priced thing. */
export interface Charge {
  /** What is priced, as a person says it: `NAT gateway-hours`, `RDS db.r6g.large Multi-AZ hours`. */
  what: string;
  service: string;
  key: string;
  /** Where it is billed; the resource's region when omitted. */
  region?: string;
  /** In the price's unit. */
  quantity: number;
  /** Usage-based: the quantity comes from the usage profile, not from the render. */
  usage: boolean;
}

export interface CostItem {
  component: string;
  /** The composition resource name. */
  resource: string;
  /** `service/Kind`, e.g. `ec2/NATGateway`. */
  kind: string;
  region: string;
  what: string;
  quantity: number;
  unit: string;
  unitPrice: number;
  /** USD, rounded to cents. */
  monthly: number;
  usage: boolean;
  /** The price looked up: the Price List offer code and envstack's key inside it. */
  service: string;
  key: string;
  /** Where the unit price comes from: a pricing page URL, or the offer file. */
  priceSource: string;
  priceDate: string;
}

export interface NotPriced {
  resource: string;
  kind: string;
  /** Starts with `no charge:` when AWS charges nothing for it; otherwise why it has no figure. */
  reason: string;
}

export interface RegionTotal {
  region: string;
  fixedMonthly: number;
  usageMonthly: number;
}

export interface PriceSourceUse {
  /** `committed table src/platform/cost/prices` or the offer file's path. */
  source: string;
  /** The oldest date among the prices used from it. */
  date: string;
  /** Days between that date and the estimate. */
  ageDays: number;
  prices: number;
  /** How many of those prices no public source has confirmed. */
  unchecked: number;
}

export interface Estimate {
  claim: string;
  /** The claim file the estimate was made from, when known. */
  file?: string;
  environment: string;
  region: string;
  drRegion?: string;
  currency: 'USD';
  /** The oldest date among the prices used. */
  pricesDate: string;
  fixedMonthly: number;
  usageMonthly: number;
  regions: RegionTotal[];
  /** The monthly limit of the Budget the stack carries, when it has one. */
  budgetMonthly?: number;
  /** Which usage profile the usage items come from. */
  usageProfile: string;
  priceSources: PriceSourceUse[];
  items: CostItem[];
  notPriced: NotPriced[];
}
