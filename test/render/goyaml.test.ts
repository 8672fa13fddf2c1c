import { goYamlKeyLess, goYamlMarshal, goYamlSortKeys } from '../../src/engine/render/goyaml.js';

// The expected texts below were printed by the implementation that predates the ASCII fast paths, the
// caches and the string builder, so they pin those shortcuts to the same bytes.
const words = Array.from({ length: 60 }, (_, i) => `w${i % 10}rd`).join(' ');

describe('goYamlMarshal fast paths', () => {
  it('orders keys mixing letters and digits as yaml.v2 does', () => {
    expect(
      goYamlSortKeys([
        'a10', 'a9', 'a01', 'a1', 'a001', 'a0', 'a00', 'b', 'A', 'x1y10', 'x1y2', 'x01y', 'k-1', 'k_1', 'k1', 'v1.10.0',
        'v1.9.0', '', '10', '9', '09', '0', '00', 'z', 'Z9', 'a-', 'a_', 'n12345678901234567891', 'n12345678901234567890',
        'n9', 'n0000000000000000000001', 'n1000000000000000', 'n999999999999999',
      ]), // prettier-ignore
    ).toEqual([
      '', '0', '00', '9', '09', '10', 'A', 'Z9', 'a-', 'a_', 'a0', 'a00', 'a1', 'a01', 'a001', 'a9', 'a10', 'b', 'k-1',
      'k_1', 'k1', 'n0000000000000000000001', 'n9', 'n999999999999999', 'n1000000000000000', 'n12345678901234567890',
      'n12345678901234567891', 'v1.9.0', 'v1.10.0', 'x1y2', 'x1y10', 'x01y', 'z',
    ]); // prettier-ignore
    expect(goYamlKeyLess('a01', 'a1')).toBe(false);
    expect(goYamlKeyLess('a1', 'a01')).toBe(true);
    expect(goYamlKeyLess('a10', 'a9')).toBe(false);
    expect(goYamlKeyLess('a9', 'a10')).toBe(true);
    // Digit runs too long for exact doubles: 99999999999999995 < 99999999999999999.
    expect(goYamlKeyLess('k099999999999999995', 'k99999999999999999')).toBe(true);
    expect(goYamlKeyLess('k99999999999999999', 'k099999999999999995')).toBe(false);
  });

  it('orders non-ASCII keys by code point, with Unicode letters and digits', () => {
    expect(
      goYamlSortKeys([
        'é',
        'e',
        'z',
        'ä1',
        'ä10',
        'ä9',
        'a٣',
        'a3',
        'a٢',
        'ÿ',
        'Ω',
        '日本',
        '😀',
        'a😀',
        'a',
        'ª',
        'µ',
      ]),
    ).toEqual([
      '😀',
      'a',
      'a😀',
      'a3',
      'a٢',
      'a٣',
      'e',
      'z',
      'ª',
      'µ',
      'ä1',
      'ä9',
      'ä10',
      'é',
      'ÿ',
      'Ω',
      '日本',
    ]);
    expect(goYamlKeyLess('a٣', 'a3')).toBe(false);
    expect(goYamlKeyLess('a3', 'a٣')).toBe(true);
  });

  it('prints maps whose keys mix letters and digits', () => {
    expect(
      goYamlMarshal({
        a10: 1,
        a9: 2,
        a01: 3,
        a1: 4,
        item2: { x10: true, x2: false },
        'v1.10': 'new',
        'v1.9': 'old',
        '007': 'bond',
        7: 'seven',
      }),
    ).toBe(
      [
        '"7": seven',
        '"007": bond',
        'a1: 4',
        'a01: 3',
        'a9: 2',
        'a10: 1',
        'item2:',
        '  x2: false',
        '  x10: true',
        'v1.9: old',
        'v1.10: new',
        '',
      ].join('\n'),
    );
  });

  it('prints non-ASCII keys and values, escaping what libyaml cannot print', () => {
    expect(
      goYamlMarshal({
        clé: 'valeur é',
        ключ: 'значение',
        日本: '東京',
        emoji: '😀 smile',
        nbsp: 'a\u00A0b',
        ß: ['ü', 'ñ x'],
        bom: '\uFEFFx',
        nel: 'a\u0085b',
        ls: 'a\u2028b',
        del: 'a\u007Fb',
        c1: '\u0080',
      }),
    ).toBe(
      [
        'bom: "\\uFEFFx"',
        'c1: "\\x80"',
        'clé: valeur é',
        'del: "a\\x7Fb"',
        'emoji: "\\U0001F600 smile"',
        "ls: 'a\u2028  b'",
        'nbsp: a\u00A0b',
        'nel: "a\\Nb"',
        'ß:',
        '- ü',
        '- ñ x',
        'ключ: значение',
        '日本: 東京',
        '',
      ].join('\n'),
    );
  });

  it('folds a 300-character string with spaces in every style and at every depth', () => {
    expect(
      goYamlMarshal({
        root: words,
        nested: { deeper: { key: words } },
        list: [words, [words]],
        'x-': '*' + words,
        tab: 'tab\t' + words,
        dbl: words.replaceAll(' w5', '  w5'),
        trail: words + ' ',
        lead: ' ' + words,
      }),
    ).toBe(
      [
        'dbl: w0rd w1rd w2rd w3rd w4rd  w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd  w5rd',
        '  w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd  w5rd w6rd w7rd w8rd w9rd w0rd w1rd',
        '  w2rd w3rd w4rd  w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd  w5rd w6rd w7rd',
        '  w8rd w9rd w0rd w1rd w2rd w3rd w4rd  w5rd w6rd w7rd w8rd w9rd',
        "lead: ' w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd",
        '  w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd',
        '  w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd',
        "  w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd'",
        'list:',
        '- w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd',
        '  w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd',
        '  w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd',
        '  w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd',
        '- - w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd',
        '    w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd',
        '    w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd',
        '    w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd',
        'nested:',
        '  deeper:',
        '    key: w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd',
        '      w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd',
        '      w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd',
        '      w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd',
        'root: w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd',
        '  w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd',
        '  w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd',
        '  w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd',
        'tab: "tab\\tw0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd',
        '  w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd',
        '  w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd',
        '  w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd"',
        "trail: 'w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd",
        '  w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd',
        '  w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd',
        "  w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd '",
        "x-: '*w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd",
        '  w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd',
        '  w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd',
        "  w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd'",
        '',
      ].join('\n'),
    );
    expect(goYamlMarshal(words)).toBe(
      [
        'w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd',
        '  w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd',
        '  w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd',
        '  w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd',
        '',
      ].join('\n'),
    );
  });

  it('folds the same value differently at different columns', () => {
    const xs = 'x '.repeat(50).trim();
    expect(goYamlMarshal({ k: xs, longer_key_name: xs, l: [xs] })).toBe(
      [
        'k: x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x',
        '  x x x x x x x x x x',
        'l:',
        '- x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x',
        '  x x x x x x x x x x',
        'longer_key_name: x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x',
        '  x x x x x x x x x x x x x x x x x',
        '',
      ].join('\n'),
    );
  });

  it('quotes strings that YAML 1.1 or the indicators would misread', () => {
    const cases: [string, string][] = [
      ['yes', '"yes"'],
      ['1e3', '"1e3"'],
      ['0x1F', '"0x1F"'],
      ['2024-01-01', '"2024-01-01"'],
      [': x', "': x'"],
      ['- x', "'- x'"],
      ['#x', "'#x'"],
      [' lead', "' lead'"],
      ['trail ', "'trail '"],
      ['a: b', "'a: b'"],
      ['a #b', "'a #b'"],
      ['a#b', 'a#b'],
      ['---', "'---'"],
      ['---x', "'---x'"],
      ['...x', "'...x'"],
      ["it's", "it's"],
      ['"q"', `'"q"'`],
      ['back\\slash', 'back\\slash'],
      ['null', '"null"'],
      ['~', '"~"'],
      ['-', "'-'"],
      ['?', "'?'"],
      [':', "':'"],
      ['-1', '"-1"'],
      ['+1', '"+1"'],
      ['.5', '".5"'],
      ['0b101', '"0b101"'],
      ['1_000', '"1_000"'],
      ['12:30:45', '"12:30:45"'],
      ['tab\there', '"tab\\there"'],
      ['cr\rlf', '"cr\\rlf"'],
      ['a:', "'a:'"],
      ['a,b', 'a,b'],
      ['[x]', "'[x]'"],
      ['{x}', "'{x}'"],
      ['&a', "'&a'"],
      ['!t', "'!t'"],
      ['|', "'|'"],
      ['>', "'>'"],
      ['%', "'%'"],
      ['@', "'@'"],
      ['`', "'`'"],
      ['0o17', '"0o17"'],
      ['017', '"017"'],
      ['089', '"089"'],
      ['1.', '"1."'],
      ['.inf', '".inf"'],
      ['-.Inf', '"-.Inf"'],
      ['Y', '"Y"'],
      ['n', '"n"'],
      ['ON', '"ON"'],
      ['off', '"off"'],
      ['<<', '<<'],
      ['=', '='],
      ['2024-1-1 10:00:00', '"2024-1-1 10:00:00"'],
      ['2024-13-01', '2024-13-01'],
      ['x'.repeat(130), 'x'.repeat(130)],
    ];
    expect(goYamlMarshal(cases.map(([input]) => input))).toBe(cases.map(([, out]) => `- ${out}\n`).join(''));
  });

  it('prints multi-line strings as literal blocks unless they cannot be', () => {
    expect(
      goYamlMarshal({
        a: 'a\nb',
        b: 'a\nb\n',
        c: 'a\n\n',
        d: '\n',
        e: ' lead\nx',
        f: 'trailing space \nx',
        g: 'x\n y',
        h: 'a\n',
        'multi\nkey': 'v',
        i: [`${words}\nsecond line`],
        j: "quote'\nx",
        k: 'a\u2028b c',
      }),
    ).toBe(
      [
        'a: |-',
        '  a',
        '  b',
        'b: |',
        '  a',
        '  b',
        'c: |+',
        '  a',
        '',
        'd: |2+',
        '',
        'e: |2-',
        '   lead',
        '  x',
        'f: "trailing space \\nx"',
        'g: |-',
        '  x',
        '   y',
        'h: |',
        '  a',
        'i:',
        '- |-',
        `  ${words}`,
        '  second line',
        'j: |-',
        "  quote'",
        '  x',
        "k: 'a\u2028  b c'",
        '? |-',
        '  multi',
        '  key',
        ': v',
        '',
      ].join('\n'),
    );
  });

  it('replaces lone surrogates in keys and values, later keys winning', () => {
    expect(
      goYamlMarshal({
        v: '\uD800x',
        w: 'x\uDC00',
        '\uDC00': 'low',
        '\uD800': 'high',
        '\uFFFD': 'replacement',
        '😀': '😀',
        pair: 'a😀b',
      }),
    ).toBe(
      [
        '\uFFFD: replacement',
        '"\\U0001F600": "\\U0001F600"',
        'pair: "a\\U0001F600b"',
        'v: \uFFFDx',
        'w: x\uFFFD',
        '',
      ].join('\n'),
    );
    expect(goYamlMarshal({ '\uD800': 1, '\uDBFF': 2 })).toBe('\uFFFD: 2\n');
  });

  it('prints empty strings, maps and lists, as keys and values', () => {
    expect(
      goYamlMarshal({ '': '', e: {}, l: [], n: null, nested: [[], {}, [[]], { '': [] }], s: [''] }),
    ).toBe(
      [
        '"": ""',
        'e: {}',
        'l: []',
        '"n": null',
        'nested:',
        '- []',
        '- {}',
        '- - []',
        '- "": []',
        's:',
        '- ""',
        '',
      ].join('\n'),
    );
    expect([
      goYamlMarshal(''),
      goYamlMarshal({}),
      goYamlMarshal([]),
      goYamlMarshal('x'),
      goYamlMarshal(undefined),
    ]).toEqual(['""\n', '{}\n', '[]\n', 'x\n', 'null\n']);
  });

  it('prints bigints and floats as Go would', () => {
    expect(
      goYamlMarshal({
        big: 12n,
        huge: 2n ** 70n,
        neg: -(2n ** 63n),
        f: 0.1,
        z: -0,
        e: 1e21,
        small: 1e-7,
        u64: 2 ** 64,
        max: Number.MAX_SAFE_INTEGER,
        t: true,
      }),
    ).toBe(
      [
        'big: 12',
        'e: 1e+21',
        'f: 0.1',
        'huge: 1.1805916207174113e+21',
        'max: 9007199254740991',
        'neg: -9.223372036854776e+18',
        'small: 1e-07',
        't: true',
        'u64: 1.8446744073709552e+19',
        'z: 0',
        '',
      ].join('\n'),
    );
  });

  it('drops undefined fields and __proto__ keys', () => {
    expect(
      goYamlMarshal({
        a: undefined,
        b: [undefined, 1],
        c: JSON.parse('{"__proto__": {"x": 1}, "y": 2}'),
        d: JSON.parse('{"__proto__": 5}'),
      }),
    ).toBe(['b:', '- null', '- 1', 'c:', '  "y": 2', 'd: {}', ''].join('\n'));
  });

  it('writes keys longer than 128 bytes or spanning lines as complex keys', () => {
    expect(
      goYamlMarshal({
        ['k'.repeat(129)]: 'v',
        ['é'.repeat(64)]: 'w',
        ['é'.repeat(65)]: { x: 1 },
        [words]: [1],
      }),
    ).toBe(
      [
        `? ${'k'.repeat(129)}`,
        ': v',
        '? w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd',
        '  w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd',
        '  w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd',
        '  w8rd w9rd w0rd w1rd w2rd w3rd w4rd w5rd w6rd w7rd w8rd w9rd',
        ': - 1',
        `${'é'.repeat(64)}: w`,
        `? ${'é'.repeat(65)}`,
        ': x: 1',
        '',
      ].join('\n'),
    );
  });

  it('keeps key lists apart that join to the same text', () => {
    expect(goYamlMarshal({ a: 1, b: 2 })).toBe('a: 1\nb: 2\n');
    expect(goYamlMarshal({ 'a\u0000b': 3 })).toBe('"a\\0b": 3\n');
    expect(goYamlMarshal({ a: 4, b: 5 })).toBe('a: 4\nb: 5\n');
  });
});
