/**
 * A list response decoded as it arrives: each element of its top-level `items` array is parsed on
 * its own and handed on, and the rest (the envelope: kind, metadata.continue, …) is parsed at the end
 * with `items` empty. A page of hundreds of managed resources is megabytes of JSON; decoded whole, the
 * text and every full object are garbage only once the last one is trimmed.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
/** Depth of an element of the envelope's `items` (the envelope is 1, the array 2). */
const ITEM_DEPTH = 2;

export class ListItemStream {
  private depth = 0;
  private inString = false;
  /** The previous chunk ended inside a string, right after a backslash. */
  private escaped = false;
  private inItems = false;
  private inItem = false;
  private readonly item: Buffer[] = [];
  private readonly envelope: Buffer[] = [];
  /** Where the next backslash of the chunk being read is (-1: none left), from `backslashFrom` on. */
  private backslash = -1;
  private backslashFrom = Number.POSITIVE_INFINITY;
  /** Items handed on. */
  count = 0;

  constructor(private readonly onItem: (item: unknown) => void) {}

  write(chunk: Buffer): void {
    let envelopeFrom = this.inItems ? -1 : 0;
    let itemFrom = this.inItem ? 0 : -1;
    let i = 0;
    this.backslashFrom = Number.POSITIVE_INFINITY;
    if (this.escaped) {
      this.escaped = false;
      i = 1;
    }
    while (i < chunk.length) {
      if (this.inString) {
        i = this.skipString(chunk, i);
        continue;
      }
      const c = chunk[i];
      if (c === QUOTE) {
        this.inString = true;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (this.inItems && this.depth === ITEM_DEPTH && c === OPEN_OBJECT) {
          this.inItem = true;
          itemFrom = i;
        } else if (!this.inItems && this.depth === 1 && c === OPEN_ARRAY && envelopeFrom >= 0) {
          if (this.opensItems(chunk.subarray(envelopeFrom, i))) {
            this.envelope.push(chunk.subarray(envelopeFrom, i + 1));
            envelopeFrom = -1;
            this.inItems = true;
          }
        }
        this.depth += 1;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        this.depth -= 1;
        if (this.inItem && this.depth === ITEM_DEPTH) {
          this.item.push(chunk.subarray(itemFrom, i + 1));
          itemFrom = -1;
          this.inItem = false;
          this.emit();
        } else if (this.inItems && this.depth === 1) {
          this.inItems = false;
          envelopeFrom = i;
        }
      }
      i += 1;
    }
    if (itemFrom >= 0) this.item.push(chunk.subarray(itemFrom));
    if (envelopeFrom >= 0) this.envelope.push(chunk.subarray(envelopeFrom));
  }

  /** The envelope's text, `items` left empty. */
  end(): string {
    return Buffer.concat(this.envelope).toString('utf8');
  }

  /** Past the end of the string at `i` (or the chunk's end): only a quote or a backslash matters. */
  private skipString(chunk: Buffer, i: number): number {
    for (;;) {
      const quote = chunk.indexOf(QUOTE, i);
      const backslash = this.nextBackslash(chunk, i);
      if (backslash >= 0 && (quote < 0 || backslash < quote)) {
        if (backslash + 1 >= chunk.length) {
          this.escaped = true;
          return chunk.length;
        }
        i = backslash + 2;
        continue;
      }
      if (quote < 0) return chunk.length;
      this.inString = false;
      return quote + 1;
    }
  }

  /** The first backslash at or after `i`: searched once per chunk, not once per string. */
  private nextBackslash(chunk: Buffer, i: number): number {
    if (i < this.backslashFrom || (this.backslash >= 0 && this.backslash < i)) {
      this.backslash = chunk.indexOf(BACKSLASH, i);
      this.backslashFrom = i;
    }
    return this.backslash;
  }

  /** Whether the array opened after this part of the envelope is its `items`. */
  private opensItems(before: Buffer): boolean {
    const text = Buffer.concat([...this.envelope, before]).toString('utf8');
    return /"items"\s*:\s*$/.test(text);
  }

  private emit(): void {
    const text = Buffer.concat(this.item).toString('utf8');
    this.item.length = 0;
    this.count += 1;
    this.onItem(JSON.parse(text));
  }
}
