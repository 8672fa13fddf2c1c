import { isBase64, isValidDate, isValidDateTime, parseIPLenient, parseURL } from '../cel/index.js';

const uuid = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const uuid3 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const uuid4 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const uuid5 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const hostname =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;
const email = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/;
const mac =
  /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$|^([0-9a-fA-F]{2}[:-]){7}[0-9a-fA-F]{2}$|^([0-9a-fA-F]{2}[:-]){19}[0-9a-fA-F]{2}$|^([0-9a-fA-F]{4}\.){2}[0-9a-fA-F]{4}$|^([0-9a-fA-F]{4}\.){3}[0-9a-fA-F]{4}$|^([0-9a-fA-F]{4}\.){9}[0-9a-fA-F]{4}$/;
const goDuration = /^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const humanDuration =
  /^(\d+)\s*(ns|us|µs|ms|s|m|h|d|w|nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?|sec|secs|min|mins|hr|hrs|y|yr|yrs|years?|mo|months?)$/i;
const isbn10 = /^(?:[0-9]{9}X|[0-9]{10})$/;
const isbn13 = /^(?:[0-9]{13})$/;
const creditCard =
  /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$/;
const ssn = /^\d{3}[- ]?\d{2}[- ]?\d{4}$/;
const hexColor = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const rgbColor =
  /^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$/;
const dateTimeLoose = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function isCIDRLenient(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = parseIPLenient(s.slice(0, slash));
  const bits = s.slice(slash + 1);
  if (!ip || !/^[0-9]{1,3}$/.test(bits)) return false;
  return Number(bits) <= ip.bytes.length * 8;
}

const checkers: Record<string, (s: string) => boolean> = {
  bsonobjectid: (s) => /^[0-9a-fA-F]{24}$/.test(s),
  uri: (s) => {
    try {
      parseURL(s);
      return true;
    } catch {
      return false;
    }
  },
  email: (s) => email.test(s) || /^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/.test(s),
  hostname: (s) => s.length <= 255 && hostname.test(s),
  ipv4: (s) => s.includes('.') && parseIPLenient(s) !== undefined,
  ipv6: (s) => s.includes(':') && parseIPLenient(s) !== undefined,
  cidr: isCIDRLenient,
  mac: (s) => mac.test(s),
  uuid: (s) => uuid.test(s),
  uuid3: (s) => uuid3.test(s),
  uuid4: (s) => uuid4.test(s),
  uuid5: (s) => uuid5.test(s),
  isbn: (s) => isbn10.test(s.replace(/[- ]/g, '')) || isbn13.test(s.replace(/[- ]/g, '')),
  isbn10: (s) => isbn10.test(s.replace(/[- ]/g, '')),
  isbn13: (s) => isbn13.test(s.replace(/[- ]/g, '')),
  creditcard: (s) => creditCard.test(s.replace(/\D/g, '')),
  ssn: (s) => ssn.test(s),
  hexcolor: (s) => hexColor.test(s),
  rgbcolor: (s) => rgbColor.test(s),
  byte: (s) => isBase64(s),
  password: () => true,
  date: (s) => isValidDate(s),
  duration: (s) => goDuration.test(s) || humanDuration.test(s) || s === '0',
  datetime: (s) => isValidDateTime(s) || (dateTimeLoose.test(s) && isValidDate(s.slice(0, 10))),
};

/** Formats the apiserver checks; any other format is stripped and not validated (apiextensions behaviour). */
export const SUPPORTED_FORMATS: readonly string[] = Object.keys(checkers);

/** Undefined when the format is not one Kubernetes validates; otherwise whether `value` conforms. */
export function checkFormat(format: string, value: string): boolean | undefined {
  const check = checkers[format.replace(/-/g, '')];
  return check ? check(value) : undefined;
}
