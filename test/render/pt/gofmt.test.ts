import { formatFloat, sprintf } from '../../../src/engine/render/pt/index.js';

// Expected strings follow Go's fmt (print.go / format.go) and strconv.FormatFloat rules.
describe('Go fmt subset (fmt.Sprintf)', () => {
  it.each([
    ['%d', [3], '%!d(float64=3)'],
    ['%s', [3], '%!s(float64=3)'],
    ['%v', [3], '3'],
    ['%v', [3.5], '3.5'],
    ['%v', [1e6], '1e+06'],
    ['%v', [123456], '123456'],
    ['%v', [1234567], '1.234567e+06'],
    ['%v', [0.0001], '0.0001'],
    ['%v', [0.00001], '1e-05'],
    ['%d', [3n], '3'],
    ['%05d', [-42n], '-0042'],
    ['%x', [255n], 'ff'],
    ['%X', [255n], 'FF'],
    ['%#x', [255n], '0xff'],
    ['%s', ['abc'], 'abc'],
    ['%q', ['a"b'], '"a\\"b"'],
    ['%x', ['hi'], '6869'],
    ['%t', [true], 'true'],
    ['%t', ['x'], '%!t(string=x)'],
    ['%f', [3], '3.000000'],
    ['%.2f', [3.14159], '3.14'],
    ['%.2f', [0.125], '0.12'],
    ['%8.3f', [3.14159], '   3.142'],
    ['%-6s|', ['ab'], 'ab    |'],
    ['%6s|', ['ab'], '    ab|'],
    ['%.2s', ['abcdef'], 'ab'],
    ['%e', [1234.5678], '1.234568e+03'],
    ['%g', [1e21], '1e+21'],
    ['%v', [null], '<nil>'],
    ['%s', [null], '%!s(<nil>)'],
    ['%v', [['a', 'b']], '[a b]'],
    ['%s', [{ b: 'x', a: 1 }], 'map[a:%!s(float64=1) b:x]'],
    ['%v', [[null, 1]], '[<nil> 1]'],
    ['%d', [[1, 2]], '[%!d(float64=1) %!d(float64=2)]'],
    ['%s-%s', ['a'], 'a-%!s(MISSING)'],
    ['plain', ['x'], 'plain%!(EXTRA string=x)'],
    ['%s', ['a', 3], 'a%!(EXTRA float64=3)'],
    ['%[2]s-%[1]s', ['a', 'b'], 'b-a'],
    ['%[3]s', ['a'], '%!s(BADINDEX)'],
    ['100%%', [], '100%'],
    ['%', [], '%!(NOVERB)'],
    ['%z', ['a'], '%!z(string=a)'],
    ['%5d', [3], '%!d(float64=    3)'],
    ['%T', [3], 'float64'],
    ['%+d', [5n], '+5'],
  ])('Sprintf(%j, %j) = %j', (format, args, want) => {
    expect(sprintf(format, ...(args as never[]))).toBe(want);
  });

  it('formats floats like strconv.FormatFloat', () => {
    expect(formatFloat(0.1, 'f', -1)).toBe('0.1');
    expect(formatFloat(1e21, 'f', -1)).toBe('1000000000000000000000');
    expect(formatFloat(1e-7, 'f', -1)).toBe('0.0000001');
    expect(formatFloat(2.5, 'f', 0)).toBe('2');
    expect(formatFloat(3.5, 'f', 0)).toBe('4');
    expect(formatFloat(-0, 'g', -1)).toBe('-0');
  });
});
