import type { SeedRef } from '../types.js';

const files = {
  s000: 'seeds/000_0ccae4f25f26b1d3.txt',
  s001: 'seeds/001_e693ac1f448fff1c.txt',
  s002: 'seeds/002_ef00add142ff596e.txt',
  s003: 'seeds/003_b0dcd77c52160812.txt',
  s004: 'seeds/004_b7e54a160c2de7fb.txt',
} as const;

export function seed(which: keyof typeof files, section: string): SeedRef {
  return { file: files[which], section };
}
