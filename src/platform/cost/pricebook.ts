import { COMMITTED_TABLE, committedPrices } from './prices/index.js';
import type { Price, PriceBook } from './types.js';

const id = (service: string, key: string, region: string) => `${service}\u0000${key}\u0000${region}`;

/** A book over a list of prices, e.g. the committed table or what an offer file yields. */
export class TablePriceBook implements PriceBook {
  private readonly index = new Map<string, Price>();

  constructor(
    prices: readonly Price[],
    private readonly name: string,
  ) {
    for (const p of prices) {
      const k = id(p.service, p.key, p.region);
      if (this.index.has(k)) throw new Error(`${name}: two prices for ${p.service} ${p.key} in ${p.region}`);
      this.index.set(k, p);
    }
  }

  lookup(service: string, key: string, region: string): Price | undefined {
    return this.index.get(id(service, key, region));
  }

  describe(): string {
    return this.name;
  }

  /** The regions the book has any price for. */
  regions(): string[] {
    return [...new Set([...this.index.values()].map((p) => p.region))].sort();
  }
}

/** Asks each book in turn: the first that knows a price wins. */
export class LayeredPriceBook implements PriceBook {
  constructor(private readonly books: readonly PriceBook[]) {}

  lookup(service: string, key: string, region: string): Price | undefined {
    for (const b of this.books) {
      const p = b.lookup(service, key, region);
      if (p) return p;
    }
    return undefined;
  }

  describe(): string {
    return this.books.map((b) => b.describe()).join(', then ');
  }
}

export function committedPriceBook(): TablePriceBook {
  return new TablePriceBook(committedPrices(), COMMITTED_TABLE);
}
