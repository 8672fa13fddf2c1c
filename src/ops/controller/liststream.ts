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
  /** Items handed on. */
  count = 0;

  constructor(private readonly onItem: (item: unknown) => void) {}

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let envelopeFrom = this.inItems ? -1 : 0;
    let itemFrom = this.inItem ? 0 : -1;
    let inString = this.inString;
    let depth = this.depth;
    let i = this.escaped ? 1 : 0;
    this.escaped = false;
    // One pass over the bytes. Most are inside strings, where only the closing quote matters: found
    // with indexOf (native), skipping quotes escaped by an odd run of backslashes.
    for (const n = chunk.length; i < n; i += 1) {
      if (inString) {
        let q = chunk.indexOf(QUOTE, i);
        while (q >= 0 && backslashesBefore(chunk, q, i) % 2 === 1) q = chunk.indexOf(QUOTE, q + 1);
        if (q < 0) {
          this.escaped = backslashesBefore(chunk, n, i) % 2 === 1;
          break;
        }
        inString = false;
        i = q;
        continue;
      }
      const c = chunk[i];
      if (c === QUOTE) {
        inString = true;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (this.inItems && depth === ITEM_DEPTH && c === OPEN_OBJECT) {
          this.inItem = true;
          itemFrom = i;
        } else if (!this.inItems && depth === 1 && c === OPEN_ARRAY && envelopeFrom >= 0) {
          if (this.opensItems(chunk.subarray(envelopeFrom, i))) {
            this.envelope.push(chunk.subarray(envelopeFrom, i + 1));
            envelopeFrom = -1;
            this.inItems = true;
          }
        }
        depth += 1;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth -= 1;
        if (this.inItem && depth === ITEM_DEPTH) {
          this.inItem = false;
          this.emit(chunk, itemFrom, i + 1);
          itemFrom = -1;
        } else if (this.inItems && depth === 1) {
          this.inItems = false;
          envelopeFrom = i;
        }
      }
    }
    this.inString = inString;
    this.depth = depth;
    if (itemFrom >= 0) this.item.push(chunk.subarray(itemFrom));
    if (envelopeFrom >= 0) this.envelope.push(chunk.subarray(envelopeFrom));
  }

  /** The envelope's text, `items` left empty. */
  end(): string {
    return Buffer.concat(this.envelope).toString('utf8');
  }

  /** Whether the array opened after this part of the envelope is its `items`. */
  private opensItems(before: Buffer): boolean {
    const text = Buffer.concat([...this.envelope, before]).toString('utf8');
    return /"items"\s*:\s*$/.test(text);
  }

  /** The item ending at `end` of `chunk`, with what earlier chunks held of it. */
  private emit(chunk: Buffer, from: number, end: number): void {
    let text: string;
    if (this.item.length === 0) text = chunk.toString('utf8', from, end);
    else {
      this.item.push(chunk.subarray(0, end));
      text = Buffer.concat(this.item).toString('utf8');
      this.item.length = 0;
    }
    this.count += 1;
    this.onItem(JSON.parse(text));
  }
}

/** How many backslashes stand right before `at` in `chunk`, counting back no further than `from`. */
function backslashesBefore(chunk: Buffer, at: number, from: number): number {
  let i = at - 1;
  while (i >= from && chunk[i] === BACKSLASH) i -= 1;
  return at - 1 - i;
}
