/** A URL parsed the way Go's url.ParseRequestURI does, which is what the Kubernetes CEL url library uses. */
export class K8sURL {
  constructor(
    readonly scheme: string,
    readonly host: string,
    readonly rawPath: string,
    readonly rawQuery: string,
    readonly opaque: string,
  ) {}

  hostname(): string {
    const h = this.host;
    if (h.startsWith('[')) {
      const end = h.indexOf(']');
      return end < 0 ? h.slice(1) : h.slice(1, end);
    }
    const colon = h.lastIndexOf(':');
    return colon < 0 ? h : h.slice(0, colon);
  }

  port(): string {
    const h = this.host;
    const colon = h.lastIndexOf(':');
    if (colon < 0 || (h.startsWith('[') && colon < h.indexOf(']'))) return '';
    return h.slice(colon + 1);
  }

  query(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    if (this.rawQuery === '') return out;
    for (const part of this.rawQuery.split('&')) {
      if (part === '' || part.includes(';')) continue;
      const eq = part.indexOf('=');
      const k = eq < 0 ? part : part.slice(0, eq);
      const v = eq < 0 ? '' : part.slice(eq + 1);
      const key = queryUnescape(k);
      const value = queryUnescape(v);
      if (key === undefined || value === undefined) continue;
      (out[key] ??= []).push(value);
    }
    return out;
  }

  toString(): string {
    if (this.opaque) return `${this.scheme}:${this.opaque}`;
    const prefix = this.scheme ? `${this.scheme}:` : '';
    const auth = this.host || this.scheme ? `//${this.host}` : '';
    return `${prefix}${auth}${this.rawPath}${this.rawQuery ? `?${this.rawQuery}` : ''}`;
  }
}

function queryUnescape(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

const fail = (raw: string, why: string): never => {
  throw new Error(`URL parse error during conversion from string: parse ${JSON.stringify(raw)}: ${why}`);
};

export function parseURL(raw: string): K8sURL {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) fail(raw, 'net/url: invalid control character in URL');
  if (raw === '') fail(raw, 'empty url');
  if (raw === '*') return new K8sURL('', '', '*', '', '');
  let scheme = '';
  let rest = raw;
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw);
  if (m) {
    scheme = m[1].toLowerCase();
    rest = raw.slice(m[0].length);
  } else if (raw.startsWith(':')) {
    fail(raw, 'missing protocol scheme');
  }
  let rawQuery = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    rawQuery = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  if (!rest.startsWith('/')) {
    if (scheme !== '') return new K8sURL(scheme, '', '', rawQuery, rest);
    fail(raw, 'invalid URI for request');
  }
  let host = '';
  if (scheme !== '' && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    const at = authority.lastIndexOf('@');
    host = at < 0 ? authority : authority.slice(at + 1);
    if (host.startsWith('[')) {
      const end = host.indexOf(']');
      if (end < 0) fail(raw, "missing ']' in host");
      const after = host.slice(end + 1);
      if (after !== '' && !/^:[0-9]*$/.test(after))
        fail(raw, `invalid port ${JSON.stringify(after)} after host`);
    } else {
      const colon = host.lastIndexOf(':');
      if (colon >= 0 && !/^[0-9]*$/.test(host.slice(colon + 1))) {
        fail(raw, `invalid port ${JSON.stringify(host.slice(colon))} after host`);
      }
      if (/[ <>"`{}|\\^]/.test(host)) fail(raw, `invalid character in host name`);
    }
  }
  try {
    decodeURIComponent(rest);
  } catch {
    fail(raw, 'invalid URL escape');
  }
  return new K8sURL(scheme, host, rest, rawQuery, '');
}

export function isURL(s: string): boolean {
  try {
    parseURL(s);
    return true;
  } catch {
    return false;
  }
}
