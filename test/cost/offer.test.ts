import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  committedPriceBook,
  estimate,
  LayeredPriceBook,
  OfferFileError,
  OfferPriceBook,
  parseOffer,
  readOfferFile,
} from '../../src/platform/cost/index.js';
import { exampleClaim, r2, render, tablePrice } from './support.js';

const EC2 = 'test/cost/fixtures/offer-AmazonEC2-eu-west-1.json';
const RDS = 'test/cost/fixtures/offer-AmazonRDS-eu-west-1.json';
const dir = mkdtempSync(join(tmpdir(), 'envstack-offer-'));

describe('an EC2 offer file in the Price List format', () => {
  const book = new OfferPriceBook(readOfferFile(EC2), EC2);

  test('the Linux, shared-tenancy, used-capacity SKU is the instance price; Windows, dedicated and reservations are not', () => {
    const p = book.lookup('AmazonEC2', 'instance:m7g.large', 'eu-west-1');
    expect(p).toMatchObject({ usdPerUnit: 0.095, unit: 'Hrs', date: '2026-11-28', source: EC2 });
    expect(p?.description).toBe('AmazonEC2 SKU 8QZ2XBBSFKWJ7BAH');
  });
  test('region by regionCode', () => {
    expect(book.lookup('AmazonEC2', 'instance:m7g.large', 'us-east-1')?.usdPerUnit).toBe(0.0816);
    expect(book.lookup('AmazonEC2', 'instance:m7g.large', 'eu-central-1')).toBeUndefined();
    expect(book.lookup('AmazonEC2', 'instance:m9g.large', 'eu-west-1')).toBeUndefined();
  });
  test('NAT gateway hours and bytes, gp3 storage', () => {
    expect(book.lookup('AmazonEC2', 'nat-gateway:hours', 'eu-west-1')?.usdPerUnit).toBe(0.05);
    expect(book.lookup('AmazonEC2', 'nat-gateway:data', 'eu-west-1')?.usdPerUnit).toBe(0.05);
    expect(book.lookup('AmazonEC2', 'ebs:gp3', 'eu-west-1')).toMatchObject({
      usdPerUnit: 0.092,
      unit: 'GB-Mo',
    });
  });
  test('a tiered price is the first paid tier (free allowances are not applied)', () => {
    expect(book.lookup('AWSDataTransfer', 'internet-out', 'eu-west-1')?.usdPerUnit).toBe(0.085);
  });
  test('services the file is not for are not answered', () => {
    expect(book.lookup('AmazonRDS', 'instance:db.r6g.xlarge:postgres:multi-az', 'eu-west-1')).toBeUndefined();
    expect(book.lookup('AmazonVPC', 'public-ipv4:hours', 'eu-west-1')).toBeUndefined();
  });
  test('regions without a regionCode are found by their location name', () => {
    const offer = JSON.parse(readFileSync(EC2, 'utf8'));
    for (const product of Object.values(offer.products) as { attributes: Record<string, string> }[])
      delete product.attributes.regionCode;
    const old = new OfferPriceBook(parseOffer(offer, 'old.json'), 'old.json');
    expect(old.lookup('AmazonEC2', 'instance:m7g.large', 'eu-west-1')?.usdPerUnit).toBe(0.095);
    expect(old.lookup('AmazonEC2', 'instance:m7g.large', 'us-east-1')?.usdPerUnit).toBe(0.0816);
  });
});

test('RDS: Single-AZ, Multi-AZ and Multi-AZ clusters are told apart', () => {
  const book = new OfferPriceBook(readOfferFile(RDS), RDS);
  expect(book.lookup('AmazonRDS', 'instance:db.r6g.xlarge:postgres:single-az', 'eu-west-1')?.usdPerUnit).toBe(
    0.512,
  );
  expect(book.lookup('AmazonRDS', 'instance:db.r6g.xlarge:postgres:multi-az', 'eu-west-1')?.usdPerUnit).toBe(
    1.024,
  );
  expect(book.lookup('AmazonRDS', 'storage:gp3:multi-az', 'eu-west-1')?.usdPerUnit).toBe(0.254);
  expect(book.lookup('AmazonRDS', 'storage:gp3:single-az', 'eu-west-1')).toBeUndefined();
});

test('an estimate takes what the offer files carry and the rest from the committed table, and says so', async () => {
  const { composed, spec } = await render(exampleClaim('prod'));
  const prices = new LayeredPriceBook([
    new OfferPriceBook(readOfferFile(EC2), EC2),
    new OfferPriceBook(readOfferFile(RDS), RDS),
    committedPriceBook(),
  ]);
  const e = estimate({
    composed,
    spec,
    claim: 'payments-prod',
    prices,
    now: new Date('2026-12-03T08:00:00Z'),
  });
  const item = (resource: string, key: string) =>
    e.items.find((i) => i.resource === resource && i.key === key)!;
  // 3 × m7g.large for 730 hours at the offer's $0.095, the NAT gateways at its $0.05.
  expect(item('app-asg', 'instance:m7g.large')).toMatchObject({
    priceSource: EC2,
    monthly: r2(3 * 730 * 0.095),
  });
  expect(item('nat-a', 'nat-gateway:hours')).toMatchObject({ priceSource: EC2, monthly: r2(730 * 0.05) });
  expect(item('db-instance', 'instance:db.r6g.xlarge:postgres:multi-az')).toMatchObject({
    priceSource: RDS,
    monthly: r2(730 * 1.024),
  });
  // Not in either file: from the committed table, with its page.
  const alb = item('alb', 'alb:hours');
  expect(alb.priceSource).toBe('https://aws.amazon.com/elasticloadbalancing/pricing/');
  expect(alb.monthly).toBe(r2(730 * tablePrice('elb', 'alb:hours', 'eu-west-1')));
  // The committed table's date is the oldest among the table prices this estimate used.
  const committedDate = e.items
    .filter((i) => i.priceSource !== EC2 && i.priceSource !== RDS)
    .map((i) => i.priceDate)
    .sort()[0];
  expect(e.priceSources).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ source: EC2, date: '2026-11-28', ageDays: 5 }),
      expect.objectContaining({ source: RDS, date: '2026-11-20', ageDays: 13 }),
      expect.objectContaining({ source: 'committed table src/platform/cost/prices', date: committedDate }),
    ]),
  );
  expect(e.pricesDate).toBe([...e.priceSources.map((s) => s.date)].sort()[0]);
});

describe('a file that is not an offer file is refused with the field and the fix', () => {
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const offer = () => JSON.parse(readFileSync(EC2, 'utf8'));
  test.each([
    [
      'no products',
      () => write('a.json', JSON.stringify({ ...offer(), products: undefined })),
      /a\.json: products: .*Price List bulk offer file/,
    ],
    [
      'no offerCode',
      () => write('b.json', JSON.stringify({ ...offer(), offerCode: undefined })),
      /b\.json: offerCode: /,
    ],
    [
      'a price that is not a number',
      () => {
        const o = offer();
        o.terms.OnDemand['K8AJH2R9E3W7BZPQ']['K8AJH2R9E3W7BZPQ.JRTCKXETXF'].priceDimensions[
          'K8AJH2R9E3W7BZPQ.JRTCKXETXF.6YS6EN2CT7'
        ].pricePerUnit.USD = 'about five cents';
        return write('c.json', JSON.stringify(o));
      },
      /c\.json: terms\.OnDemand\.K8AJH2R9E3W7BZPQ\.K8AJH2R9E3W7BZPQ\.JRTCKXETXF\.priceDimensions\..*\.pricePerUnit\.USD: .*decimal number/,
    ],
    ['not JSON', () => write('d.json', '{"formatVersion": '), /d\.json: not valid JSON/],
    ['no file', () => join(dir, 'missing.json'), /missing\.json: no such file/],
  ])('%s', (_what, file, message) => {
    expect(() => readOfferFile(file())).toThrow(OfferFileError);
    expect(() => readOfferFile(file())).toThrow(message);
  });
});
