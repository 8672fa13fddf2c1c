// Admission, real vs ours: the PlatformEnvironment CRD Crossplane core generates from xrds/<flavor>.yaml
// is installed into a real kube-apiserver, and every claim of the corpus (examples/, the rules' and
// the CLI's fixtures in test/admission/corpus) plus seeded mutants is sent both to the server (as
// `kubectl apply` sends it, dry run) and to `envstack validate`'s admission step. They must agree on
// accepted vs rejected and on the field paths, in both flavors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  claimFiles,
  formatDisagreement,
  REPO_ROOT,
  runDifferential,
  startAdmissionServer,
  UPDATE_FILE,
  type AdmissionServer,
  type DiffReport,
} from '../admission/differential.js';
import { CORPUS_DIR, generateMutants, writeMutants } from '../admission/mutants.js';
import { describeWithTools, KUBE_TOOLS } from '../support/kube.js';

const MUTANTS = 300;
const UPDATES = 40;
const log = (line: string) => process.stderr.write(`${line}\n`);
const examples = readdirSync(join(REPO_ROOT, 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join(REPO_ROOT, 'examples', f));

describeWithTools(
  [...KUBE_TOOLS, 'crossplane-core'],
  'admission: real kube-apiserver vs envstack validate',
  () => {
    let server: AdmissionServer | undefined;
    let dir: string;
    let report: DiffReport;
    const corpus = () => claimFiles([...examples, CORPUS_DIR]);

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'envstack-mutants-'));
      writeMutants(dir, { count: MUTANTS, updates: UPDATES });
      server = await startAdmissionServer({ log });
      report = await runDifferential(claimFiles([...examples, CORPUS_DIR, dir]), { server, log });
    }, 300_000);

    afterAll(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('Crossplane generated the CRD schema envstack validate checks against, in both flavors', () => {
      expect(report.flavors).toEqual(['claim', 'namespaced']);
      expect(report.schemaDrift).toEqual({ claim: [], namespaced: [] });
    });

    test('every claim gets the same answer and the same field paths from both', () => {
      expect(report.verdicts.filter((v) => !v.agree).map(formatDisagreement)).toEqual([]);
      expect(report.disagree).toBe(0);
      expect(report.verdicts).toHaveLength(report.files.length * 2);
    });

    test('the valid corpus is admitted and the invalid corpus refused by the real server', () => {
      const real = (f: string) => report.verdicts.filter((v) => v.file === f).map((v) => v.real.accepted);
      const valid = corpus().filter((f) => !f.includes('/invalid/'));
      const invalid = corpus().filter((f) => f.includes('/invalid/'));
      expect(valid.length).toBeGreaterThanOrEqual(15);
      expect(invalid.length).toBeGreaterThanOrEqual(15);
      expect(valid.filter((f) => real(f).some((a) => !a))).toEqual([]);
      expect(invalid.filter((f) => real(f).some((a) => a))).toEqual([]);
    });

    test('the mutants are many, both admitted and refused, and refused for many different fields', () => {
      const mutants = report.verdicts.filter((v) => v.file.startsWith(dir) && v.flavor === 'claim');
      expect(mutants.length).toBeGreaterThanOrEqual(200 + UPDATES);
      const accepted = mutants.filter((v) => v.real.accepted).length;
      expect(accepted).toBeGreaterThanOrEqual(30);
      expect(mutants.length - accepted).toBeGreaterThanOrEqual(150);
      const fields = new Set(mutants.flatMap((v) => v.real.fields ?? []));
      expect(fields.size).toBeGreaterThanOrEqual(40);
      // The field paths that took fixes to agree on: the root (CEL not checked after a blocking error),
      // metadata (name length, namespace), a map value, Crossplane's own spec fields, strict decoding.
      for (const f of [
        '',
        'metadata.name',
        'metadata.namespace',
        'spec.network.cidr',
        'spec.dr.region',
        'spec',
      ])
        expect(fields).toContain(f);
      expect([...fields].some((f) => f.startsWith('spec.tags.'))).toBe(true);
      expect([...fields].some((f) => f.startsWith('status.'))).toBe(true);
      // Crossplane's fields are admitted in one flavor and unknown in the other.
      const flavorDependent = report.files.filter((f) => {
        const [claim, namespaced] = report.verdicts.filter((v) => v.file === f);
        return claim.real.accepted !== namespaced.real.accepted;
      });
      expect(flavorDependent.length).toBeGreaterThanOrEqual(3);
    });

    test('updates exercise the immutable fields (CEL transition rules)', () => {
      const updates = report.verdicts.filter((v) => UPDATE_FILE.test(v.file) && v.flavor === 'claim');
      expect(updates).toHaveLength(UPDATES);
      const immutable = updates.filter((v) => v.real.details.some((d) => /is immutable/.test(d)));
      expect(immutable.length).toBeGreaterThanOrEqual(8);
      expect(updates.filter((v) => v.real.accepted).length).toBeGreaterThanOrEqual(5);
    });

    test('npm run admission:diff writes the same mutants and checks any folder, one line per disagreement', () => {
      const out = join(dir, '..', `${dir.split('/').pop()}-cmd`);
      try {
        const write = spawnSync(
          'npx',
          ['tsx', 'scripts/admission-diff.ts', '--write-mutants', out, '--count', '20', '--updates', '0'],
          {
            cwd: REPO_ROOT,
            encoding: 'utf8',
          },
        );
        expect(write.status).toBe(0);
        const expected = generateMutants({ count: 20 });
        expect(readdirSync(out).sort()).toEqual(expected.map((m) => m.name).sort());
        expect(readFileSync(join(out, expected[7].name), 'utf8')).toBe(expected[7].text);
        const usage = spawnSync('npx', ['tsx', 'scripts/admission-diff.ts', '--flavor', 'xr', out], {
          cwd: REPO_ROOT,
          encoding: 'utf8',
        });
        expect(usage.status).toBe(2);
        expect(usage.stderr).toMatch(/--flavor must be claim, namespaced or both/);
        // A run of its own (it starts its own server): two claims, one admitted and one refused.
        const run = spawnSync(
          'npx',
          [
            'tsx',
            'scripts/admission-diff.ts',
            '--flavor',
            'claim',
            'examples/minimal.yaml',
            join(CORPUS_DIR, 'invalid', 'cli-bad.yaml'),
          ],
          { cwd: REPO_ROOT, encoding: 'utf8', timeout: 150_000 },
        );
        expect(run.stdout.trim().split('\n')).toEqual(['2 claims: 2 agree, 0 disagree']);
        expect(run.stderr).toMatch(/\[claim\] 2 claims in \d+ ms: 2 agree, 0 disagree/);
        expect(run.status).toBe(0);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }, 180_000);
  },
);
