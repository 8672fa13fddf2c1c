import {
  all,
  and,
  celEffective,
  celHas,
  celOverXr,
  enabled,
  not,
  or,
} from '../../src/platform/compose/conditions.js';

test('and: absent conditions are skipped, a lone one stands bare, several are parenthesized', () => {
  expect(and()).toBeUndefined();
  expect(and(undefined, 'a == 1')).toBe('a == 1');
  expect(and('a == 1', undefined, 'b == 2')).toBe('(a == 1) && (b == 2)');
});

test('all: like and, but a lone condition is parenthesized too', () => {
  expect(all(undefined)).toBeUndefined();
  expect(all('a == 1')).toBe('(a == 1)');
  expect(all('a == 1', 'b == 2')).toBe('(a == 1) && (b == 2)');
});

test('or and not parenthesize their operands', () => {
  expect(or('a', 'b')).toBe('(a) || (b)');
  expect(not('a || b')).toBe('!(a || b)');
});

test('celHas checks every level below spec, and from the top for status', () => {
  expect(celHas('spec.database.multiAz')).toBe('has(spec.database) && has(spec.database.multiAz)');
  expect(celHas('status.ids.kmsKeyArn')).toBe('has(status) && has(status.ids) && has(status.ids.kmsKeyArn)');
});

test("celEffective takes the claim's value, else the profile's by environment", () => {
  expect(celEffective('spec.network.azCount', 'azCount')).toBe(
    "(has(spec.network) && has(spec.network.azCount) ? spec.network.azCount : {'dev': 2, 'staging': 2, 'prod': 3}[spec.environment])",
  );
  expect(enabled.multiAz).toMatch(/ == true$/);
});

test('celOverXr points spec and status at the observed XR, leaving strings and members alone', () => {
  expect(celOverXr("spec.a == 'spec.b' && has(status.ids) && x.spec.c")).toBe(
    "observed.composite.resource.spec.a == 'spec.b' && has(observed.composite.resource.status.ids) && x.spec.c",
  );
});
