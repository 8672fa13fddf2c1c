import { CelCompileError, CelEvalError, compileRule, evaluateRule } from '../../src/engine/cel/index.js';

const ev = (expr: string, self: unknown = {}, oldSelf?: unknown): unknown =>
  evaluateRule(expr, { self, oldSelf });

describe('CEL core (cel-js built-ins used by Kubernetes rules)', () => {
  it.each([
    ['has(self.a)', { a: 1n }, true],
    ['has(self.b)', { a: 1n }, false],
    ['size(self.l) == 2', { l: [1n, 2n] }, true],
    ['self.l.all(x, x > 0)', { l: [1n, 2n] }, true],
    ['self.l.all(x, x > 1)', { l: [1n, 2n] }, false],
    ['self.l.exists(x, x == 2)', { l: [1n, 2n] }, true],
    ['self.l.exists_one(x, x > 0)', { l: [1n, 2n] }, false],
    ['self.l.map(x, x * 2) == [2, 4]', { l: [1n, 2n] }, true],
    ['self.l.filter(x, x > 1) == [2]', { l: [1n, 2n] }, true],
    ['self.m.all(k, k.startsWith("a"))', { m: { ab: 1n, ac: 2n } }, true],
    ['self.?missing.orValue(5) == 5', {}, true],
    ['self.d > 1.5', { d: 2.5 }, true],
  ])('%s', (expr, self, expected) => {
    expect(ev(expr, self)).toBe(expected);
  });

  it('rejects undeclared variables and type errors at compile time', () => {
    expect(() => compileRule('other.x')).toThrow(CelCompileError);
    expect(() => compileRule('1 + "a"')).toThrow(CelCompileError);
    expect(() => compileRule('self.a ==')).toThrow(CelCompileError);
  });

  it('reports a missing key at evaluation time', () => {
    expect(() => ev('self.nope == 1', {})).toThrow(CelEvalError);
  });

  it('detects transition rules', () => {
    expect(compileRule('self == oldSelf').usesOldSelf).toBe(true);
    expect(compileRule('self.x == 1').usesOldSelf).toBe(false);
    expect(ev('self == oldSelf', 'a', 'a')).toBe(true);
  });
});

describe('strings extension (version 2)', () => {
  it.each([
    ['"ÄBc".lowerAscii()', 'Äbc'],
    ['"äbC".upperAscii()', 'äBC'],
    ['"héllo".indexOf("l")', 2n],
    ['"héllo".indexOf("l", 3)', 3n],
    ['"héllo".indexOf("z")', -1n],
    ['"hello".lastIndexOf("l")', 3n],
    ['"héllo".substring(1, 3)', 'él'],
    ['"hello".substring(2)', 'llo'],
    ['"hello".charAt(1)', 'e'],
    ['"hello".charAt(5)', ''],
    ['"a,b,c".replace(",", "-")', 'a-b-c'],
    ['"a,b,c".replace(",", "-", 1)', 'a-b,c'],
    ['"  x ".trim()', 'x'],
    ['"%s=%d".format(["a", 3])', 'a=3'],
    ['"%s/%s".format([ip.isCanonical("::1"), "x".upperAscii()])', 'true/X'],
    ['"%.2f".format([1.5])', '1.50'],
    ['"%x".format([255])', 'ff'],
    ['strings.quote("a\\nb")', '"a\\nb"'],
  ])('%s', (expr, expected) => {
    expect(ev(expr)).toEqual(expected);
  });

  it('format is exempt from homogeneous literals, other literals are not; bad clauses fail', () => {
    expect(() => compileRule('["a", 3] == self')).toThrow(CelCompileError);
    expect(() => ev('"%d".format(["a"])')).toThrow(/decimal clause can only be used on integers/);
    expect(() => ev('"%q".format([1])')).toThrow(/unrecognized formatting clause/);
  });

  it('split and join', () => {
    expect(ev('"a,b,c".split(",")')).toEqual(['a', 'b', 'c']);
    expect(ev('"a,b,c".split(",", 2)')).toEqual(['a', 'b,c']);
    expect(ev('["a", "b"].join("-")')).toBe('a-b');
  });

  it('rejects out-of-range indexes', () => {
    expect(() => ev('"abc".charAt(4)')).toThrow(CelEvalError);
    expect(() => ev('"abc".substring(2, 1)')).toThrow(/invalid substring range/);
    expect(() => ev('"abc".indexOf("a", 9)')).toThrow(/index out of range/);
  });
});

describe('regex (RE2 semantics)', () => {
  it('matches searches anywhere, with RE2 syntax', () => {
    expect(ev('"abc".matches("b")')).toBe(true);
    expect(ev('"abc".matches("^b")')).toBe(false);
    expect(ev('matches("abc", "^a.c$")')).toBe(true);
    expect(ev('"ABC".matches("(?i)abc")')).toBe(true);
    expect(ev('self.matches("^[a-z]+$")', 'Abc')).toBe(false);
  });

  it('rejects non-RE2 regex literals at compile time', () => {
    expect(() => compileRule('"a".matches("(?=a)")')).toThrow(CelCompileError);
  });

  it('find and findAll', () => {
    expect(ev('"abc123def456".find("[0-9]+")')).toBe('123');
    expect(ev('"abc".find("[0-9]+")')).toBe('');
    expect(ev('"a1b2c3".findAll("[0-9]")')).toEqual(['1', '2', '3']);
    expect(ev('"a1b2c3".findAll("[0-9]", 2)')).toEqual(['1', '2']);
  });
});

describe('Kubernetes lists library', () => {
  it.each([
    ['[1, 2, 3].isSorted()', true],
    ['[2, 1].isSorted()', false],
    ['["a", "b"].isSorted()', true],
    ['[1, 2, 3].sum()', 6n],
    ['[1.5, 2.5].sum()', 4],
    ['[3, 1, 2].min()', 1n],
    ['[3, 1, 2].max()', 3n],
    ['[1, 2, 2].indexOf(2)', 1n],
    ['[1, 2, 2].lastIndexOf(2)', 2n],
    ['[1, 2].indexOf(9)', -1n],
  ])('%s', (expr, expected) => {
    expect(ev(expr)).toEqual(expected);
  });

  it('errors on min/max of an empty list', () => {
    expect(() => ev('self.min()', [])).toThrow(/min called on empty list/);
    expect(() => ev('self.max()', [])).toThrow(/max called on empty list/);
  });
});

describe('sets extension', () => {
  it.each([
    ['sets.contains([1, 2, 3], [1, 2])', true],
    ['sets.contains([1], [1, 2])', false],
    ['sets.equivalent([1, 2], [2, 1, 1])', true],
    ['sets.equivalent([1], [2])', false],
    ['sets.intersects([1, 2], [2, 3])', true],
    ['sets.intersects([1], [2])', false],
  ])('%s', (expr, expected) => {
    expect(ev(expr)).toBe(expected);
  });
});

describe('Kubernetes URL library', () => {
  it('parses request URIs', () => {
    expect(ev('url("https://example.com:8443/a/b?x=1&x=2").getScheme()')).toBe('https');
    expect(ev('url("https://example.com:8443/a/b").getHost()')).toBe('example.com:8443');
    expect(ev('url("https://example.com:8443/a/b").getHostname()')).toBe('example.com');
    expect(ev('url("https://[::1]:80/x").getHostname()')).toBe('::1');
    expect(ev('url("https://example.com:8443/a/b").getPort()')).toBe('8443');
    expect(ev('url("https://example.com/a%20b").getEscapedPath()')).toBe('/a%20b');
    expect(ev('url("https://e.com/?x=1&x=2&y=3").getQuery()')).toEqual({ x: ['1', '2'], y: ['3'] });
    expect(ev('url("/just/a/path").getScheme()')).toBe('');
  });

  it('isURL accepts absolute URIs and paths only', () => {
    expect(ev('isURL("https://example.com")')).toBe(true);
    expect(ev('isURL("/path")')).toBe(true);
    expect(ev('isURL("relative/path")')).toBe(false);
    expect(ev('isURL("")')).toBe(false);
    expect(() => ev('url("not a url")')).toThrow(CelEvalError);
  });
});

describe('Kubernetes IP library', () => {
  it.each([
    ['isIP("10.0.0.1")', true],
    ['isIP("2001:db8::1")', true],
    ['isIP("10.0.0.256")', false],
    ['isIP("010.0.0.1")', false],
    ['isIP("::ffff:1.2.3.4")', false],
    ['isIP("fe80::1%eth0")', false],
    ['ip.isCanonical("2001:db8::abcd")', true],
    ['ip.isCanonical("2001:DB8::ABCD")', false],
    ['ip.isCanonical("2001:db8::0:0:0:abcd")', false],
    ['ip("127.0.0.1").family() == 4', true],
    ['ip("::1").family() == 6', true],
    ['ip("0.0.0.0").isUnspecified()', true],
    ['ip("::").isUnspecified()', true],
    ['ip("127.0.0.1").isLoopback()', true],
    ['ip("192.168.0.1").isLoopback()', false],
    ['ip("224.0.0.1").isLinkLocalMulticast()', true],
    ['ip("224.0.1.1").isLinkLocalMulticast()', false],
    ['ip("ff02::1").isLinkLocalMulticast()', true],
    ['ip("169.254.169.254").isLinkLocalUnicast()', true],
    ['ip("fe80::1").isLinkLocalUnicast()', true],
    ['ip("fd80::1").isLinkLocalUnicast()', false],
    ['ip("192.168.0.1").isGlobalUnicast()', true],
    ['ip("255.255.255.255").isGlobalUnicast()', false],
    ['ip("ff00::1").isGlobalUnicast()', false],
    ['string(ip("2001:0db8:0:0:0:0:0:1")) == "2001:db8::1"', true],
    ['ip("10.0.0.1") == ip("10.0.0.1")', true],
  ])('%s', (expr, expected) => {
    expect(ev(expr)).toBe(expected);
  });

  it('rejects invalid addresses with the Kubernetes messages', () => {
    expect(() => ev('ip("::ffff:1.2.3.4")')).toThrow(
      /IPv4-mapped IPv6 address "::ffff:1.2.3.4" is not allowed/,
    );
    expect(() => ev('ip("fe80::1%eth0")')).toThrow(/with zone value is not allowed/);
    expect(() => ev('ip("1.2.3")')).toThrow(/parse error during conversion from string/);
  });
});

describe('Kubernetes CIDR library', () => {
  it.each([
    ['isCIDR("10.0.0.0/16")', true],
    ['isCIDR("10.0.0.1/16")', true],
    ['isCIDR("10.0.0.0/33")', false],
    ['isCIDR("10.0.0.0")', false],
    ['isCIDR("2001:db8::/32")', true],
    ['cidr("10.0.0.0/16").prefixLength() == 16', true],
    ['cidr("10.0.0.0/16").ip().family() == 4', true],
    ['cidr("2001:db8::/32").ip().family() == 6', true],
    ['cidr("10.0.0.0/16").containsIP("10.0.255.1")', true],
    ['cidr("10.0.0.0/16").containsIP(ip("10.1.0.1"))', false],
    ['cidr("10.0.0.0/8").containsCIDR("10.1.0.0/16")', true],
    ['cidr("10.1.0.0/16").containsCIDR(cidr("10.0.0.0/8"))', false],
    ['string(cidr("10.1.2.3/8").masked()) == "10.0.0.0/8"', true],
    ['string(cidr("10.1.2.3/8").ip()) == "10.1.2.3"', true],
    ['cidr("10.0.0.0/8") == cidr("10.0.0.0/8")', true],
  ])('%s', (expr, expected) => {
    expect(ev(expr)).toBe(expected);
  });

  it('rejects a malformed CIDR at evaluation', () => {
    expect(() => ev('cidr("10.0.0.0/33")')).toThrow(/parse error during conversion from string/);
  });
});

describe('Kubernetes format library', () => {
  it('validates named formats', () => {
    const ok = ev('format.dns1123Label().validate("my-name")') as { hasValue(): boolean };
    expect(ok.hasValue()).toBe(false);
    expect(ev('format.dns1123Label().validate("My_Name").hasValue()')).toBe(true);
    expect(ev('format.named("dns1123Subdomain").value().validate("a.b").hasValue()')).toBe(false);
    expect(ev('format.named("nope").hasValue()')).toBe(false);
    expect(ev('format.uuid().validate("not-a-uuid").hasValue()')).toBe(true);
  });
});
