/**
 * Admission, real vs ours: every claim is sent to a real kube-apiserver holding the CRD a real
 * Crossplane generated from xrds/<flavor>.yaml, and checked by `envstack validate`'s admission step
 * (validateClaim). Accepted vs rejected must agree, and so must the field paths.
 *
 * What "the real server" means here is what `kubectl apply -f FILE` does for a new object:
 * - kubectl reads the YAML (go-yaml v2 through sigs.k8s.io/yaml) and fills in the namespace; this is
 *   `kubectl create --dry-run=client -o json --validate=false`, run over many files at once. A file
 *   kubectl cannot read or map, or an object without a name (apply cannot use generateName), is
 *   refused by kubectl: there is no field path to compare, only that envstack validate refuses it too;
 * - the object is then created with `dryRun=All` and `fieldValidation=Strict`, the field validation
 *   `kubectl apply`'s default `--validate=strict` asks for: unknown fields are refused (not pruned
 *   silently), and that is the mode envstack validate models.
 *
 * - an update (`*.update.yaml`: the stored claim, then the update) creates the stored claim for real
 *   (annotated crossplane.io/paused, so Crossplane leaves it as it is) and PUTs the update over it
 *   with dryRun=All, which is what apply's patch amounts to when nobody else changed the object.
 *
 * Field paths are compared as sets, in the apiserver's spelling (`spec.network.cidr`,
 * `spec.loadBalancer.allowedCidrs[0]`, `spec.tags.Owner`); the apiserver's `<nil>` (the "some
 * validation rules were not checked" root error) is the empty path, as validateClaim names it.
 * Messages are shown, not compared.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDNS1123Label } from '../../src/engine/cel/index.js';
import type { Flavor } from '../../src/platform/compose/flavor.js';
import { loadAllYaml, loadYaml } from '../../src/engine/render/yaml.js';
import type { Unstructured } from '../../src/engine/render/fnapi.js';
import { startKubeCluster, type KubeCluster } from '../../src/ops/sandbox/cluster.js';
import { startCrossplane, type RunningCrossplane } from '../../src/ops/sandbox/crossplane.js';
import { sleep } from '../../src/ops/sandbox/supervisor.js';
import { tool } from '../../src/ops/sandbox/tools.js';
import type { JSONSchemaProps } from '../../src/engine/schema/index.js';
import { platformEnvironmentCrdSchema } from '../../src/platform/validate/crd.js';
import { validateClaim } from '../../src/platform/validate/index.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FLAVORS: readonly Flavor[] = ['claim', 'namespaced'];

/** One side's answer for one claim file. */
export interface Answer {
  accepted: boolean;
  /**
   * The field paths named, sorted and unique ('' is the object's root); undefined when kubectl
   * refused to send the object, so there is no server answer to compare paths with.
   */
  fields?: string[];
  /** What was said, one line per problem. */
  details: string[];
}

export interface Verdict {
  file: string;
  flavor: Flavor;
  real: Answer;
  ours: Answer;
  agree: boolean;
}

export interface DiffReport {
  files: string[];
  flavors: Flavor[];
  verdicts: Verdict[];
  /** Files that agree in every flavor. */
  agree: number;
  disagree: number;
  /** Per flavor: where the CRD Crossplane generated differs from src/platform/validate/crd.ts (empty when equal). */
  schemaDrift: Partial<Record<Flavor, string[]>>;
  ms: number;
}

type Log = (line: string) => void;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------
// Reading claims

const CLAIM_FILE = /\.(ya?ml|json)$/;

/** The claim files in DIRS (folders, recursively, and files), sorted within each argument. */
export function claimFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    if (statSync(p).isDirectory()) {
      for (const e of readdirSync(p).sort()) walk(join(p, e));
    } else if (CLAIM_FILE.test(p)) out.push(p);
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`${p}: no such file or folder`);
    const abs = resolve(p);
    if (statSync(abs).isDirectory()) walk(abs);
    else out.push(abs);
  }
  return [...new Set(out)];
}

// ---------------------------------------------------------------------------------------------
// Ours: envstack validate's admission step

/**
 * An update: a file `*.update.yaml` of two documents, the stored claim and the claim sent over it.
 * The differential creates the first for real and sends the second as an update (dry run); envstack
 * validate checks the second with the first as the old object (`validateClaim(new, { old })`).
 */
export const UPDATE_FILE = /\.update\.ya?ml$/;

/** envstack validate reads a file as the CLI does (readDocuments), then validateClaim per document. */
export function ourAnswer(file: string, flavor: Flavor): Answer {
  let docs: unknown[];
  try {
    docs = loadAllYaml(readFileSync(file, 'utf8')).filter((d) => d !== null && d !== undefined);
  } catch (e) {
    return {
      accepted: false,
      details: [`not valid YAML: ${e instanceof Error ? e.message.split('\n')[0] : e}`],
    };
  }
  if (docs.length === 0) return { accepted: false, details: ['no YAML document in the file'] };
  if (UPDATE_FILE.test(file) && docs.length === 2) {
    const [stored, update] = docs;
    const bad = validateClaim(stored, { flavor });
    if (bad.length)
      return { accepted: false, details: bad.map((p) => `the stored claim: ${p.path}: ${p.message}`) };
    const problems = validateClaim(update, { flavor, old: stored as Unstructured });
    return {
      accepted: problems.length === 0,
      fields: [...new Set(problems.map((p) => p.path))].sort(),
      details: problems.map((p) => `${p.path}: ${p.message}`),
    };
  }
  const fields = new Set<string>();
  const details: string[] = [];
  docs.forEach((doc, i) => {
    for (const p of validateClaim(doc, { flavor })) {
      const path = docs.length > 1 ? `#${i} ${p.path}` : p.path;
      fields.add(path);
      details.push(`${path}: ${p.message}`);
    }
  });
  return { accepted: fields.size === 0, fields: [...fields].sort(), details };
}

// ---------------------------------------------------------------------------------------------
// The real server

export interface AdmissionServer {
  readonly kube: KubeCluster;
  /** The flavor whose XRD is installed, if any. */
  readonly flavor: Flavor | undefined;
  /** Applies xrds/<flavor>.yaml (removing the other flavor's first) and waits for Crossplane's CRD. */
  install(flavor: Flavor): Promise<void>;
  /** The openAPIV3Schema of the PlatformEnvironment CRD Crossplane generated for the installed flavor. */
  crdSchema(): Promise<JSONSchemaProps>;
  /** What kubectl would send for each file: its objects, or why kubectl refuses it. */
  decode(files: readonly string[], log?: Log): Promise<Map<string, Decoded>>;
  /** Creates OBJECT with dryRun=All and fieldValidation=Strict; the server's answer. */
  admit(object: Unstructured): Promise<Answer>;
  /** Creates STORED for real, sends UPDATE over it (PUT, dryRun=All, fieldValidation=Strict), deletes STORED. */
  update(stored: Unstructured, update: Unstructured): Promise<Answer>;
  logs(): string;
  stop(): Promise<void>;
}

export type Decoded = { objects: Unstructured[] } | { refused: string };

interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface XrdFile {
  path: string;
  name: string;
  group: string;
  plural: string;
}

function xrdFile(dir: string, flavor: Flavor): XrdFile {
  const path = join(dir, `${flavor}.yaml`);
  const xrd = loadYaml(readFileSync(path, 'utf8')) as {
    metadata: { name: string };
    spec: { group: string; names: { plural: string }; claimNames?: { plural: string } };
  };
  return {
    path,
    name: xrd.metadata.name,
    group: xrd.spec.group,
    plural: (xrd.spec.claimNames ?? xrd.spec.names).plural,
  };
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

const conditionTrue = (conds: Condition[] | undefined, type: string): boolean =>
  (conds ?? []).some((c) => c.type === type && c.status === 'True');

export interface StartOptions {
  /** Where the XRDs are: xrds/ of the repository by default. */
  xrdDir?: string;
  log?: Log;
}

/** A real etcd + kube-apiserver with Crossplane core (no functions) running against it. */
export async function startAdmissionServer(options: StartOptions = {}): Promise<AdmissionServer> {
  const log = options.log ?? (() => undefined);
  const xrdDir = options.xrdDir ?? join(REPO_ROOT, 'xrds');
  const started = Date.now();
  const kube = await startKubeCluster();
  let crossplane: RunningCrossplane;
  try {
    crossplane = await startCrossplane(kube, { functions: false });
  } catch (e) {
    await kube.stop();
    throw e;
  }
  log(`admission: kube-apiserver and Crossplane core up in ${Date.now() - started} ms`);
  const kubectlBin = tool('kubectl');
  const cacheDir = join(kube.dir, 'kubectl-cache');
  const kubectl = (args: readonly string[]): Promise<KubectlResult> =>
    new Promise((done, fail) => {
      const child = spawn(kubectlBin, ['--kubeconfig', kube.kubeconfig, '--cache-dir', cacheDir, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', fail);
      child.on('close', (code) =>
        done({
          code: code ?? -1,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        }),
      );
    });
  const kubectlOk = async (args: readonly string[]): Promise<string> => {
    const r = await kubectl(args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const getJson = async <T>(args: readonly string[]): Promise<T | undefined> => {
    const r = await kubectl(['get', ...args, '-o', 'json', '--ignore-not-found']);
    if (r.code !== 0) throw new Error(`kubectl get ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim() ? (JSON.parse(r.stdout) as T) : undefined;
  };

  const agent = new Agent({ keepAlive: true, maxSockets: 8, ca: readFileSync(kube.caFile) });
  const http = (method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> =>
    new Promise((done, fail) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = request(
        `${kube.server}${path}`,
        {
          method,
          agent,
          timeout: 30_000,
          headers: {
            Authorization: `Bearer ${kube.adminToken}`,
            Accept: 'application/json',
            ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', fail);
      req.end(payload);
    });

  let installed: XrdFile | undefined;
  let installedFlavor: Flavor | undefined;
  const namespaces = new Map<string, Promise<boolean>>([['default', Promise.resolve(true)]]);
  const ensureNamespace = (ns: string): Promise<boolean> => {
    let p = namespaces.get(ns);
    if (!p) {
      p =
        isDNS1123Label(ns).length > 0
          ? Promise.resolve(false)
          : http('POST', '/api/v1/namespaces', {
              apiVersion: 'v1',
              kind: 'Namespace',
              metadata: { name: ns },
            }).then((r) => r.status < 300 || r.status === 409);
      namespaces.set(ns, p);
    }
    return p;
  };

  const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}\n${crossplane.logs(40)}\n${kube.logs(20)}`);
      await sleep(250);
    }
  };

  const uninstall = async (): Promise<void> => {
    if (!installed) return;
    const xrd = installed;
    const t = Date.now();
    await kubectlOk(['delete', '-f', xrd.path, '--wait=true', '--timeout=120s']);
    const crd = `${xrd.plural}.${xrd.group}`;
    await waitFor(`CRD ${crd} to be deleted`, async () => (await getJson(['crd', crd])) === undefined);
    log(`admission: removed the ${installedFlavor} XRD and its CRDs in ${Date.now() - t} ms`);
    installed = undefined;
    installedFlavor = undefined;
  };

  /** Where OBJECT would be created, or why kubectl would not send it. */
  const target = async (object: Unstructured): Promise<{ collection: string } | Answer> => {
    if (!installed) throw new Error('no XRD installed');
    const meta = object.metadata ?? {};
    if (typeof meta.name !== 'string' || meta.name === '') {
      // kubectl apply: "cannot use generate name with apply" / "resource name may not be empty".
      return { accepted: false, details: ['kubectl apply refuses an object without metadata.name'] };
    }
    const [group, version] = String(object.apiVersion).split('/');
    if (object.kind !== 'PlatformEnvironment' || group !== installed.group || version === undefined) {
      return {
        accepted: false,
        details: [
          `not a PlatformEnvironment claim: kubectl would send a ${object.kind} (${object.apiVersion})`,
        ],
      };
    }
    const ns = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
    // Namespaces the claims name are made first; one whose name is invalid cannot be, and the
    // server's answer says so.
    await ensureNamespace(ns);
    return {
      collection: `/apis/${group}/${version}/namespaces/${encodeURIComponent(ns)}/${installed.plural}`,
    };
  };

  const server: AdmissionServer = {
    kube,
    get flavor() {
      return installedFlavor;
    },
    async install(flavor) {
      if (installedFlavor === flavor) return;
      await uninstall();
      const xrd = xrdFile(xrdDir, flavor);
      const t = Date.now();
      await kubectlOk(['apply', '-f', xrd.path]);
      // Crossplane reports Established (the XR CRD serves) and, with claims, Offered (the claim CRD).
      await waitFor(
        `XRD ${xrd.name} to be Established${flavor === 'claim' ? ' and Offered' : ''}`,
        async () => {
          const x = await getJson<{ status?: { conditions?: Condition[] } }>(['xrd', xrd.name]);
          const conds = x?.status?.conditions;
          return (
            conditionTrue(conds, 'Established') && (flavor !== 'claim' || conditionTrue(conds, 'Offered'))
          );
        },
      );
      const crd = `${xrd.plural}.${xrd.group}`;
      await waitFor(`CRD ${crd} to be Established`, async () => {
        const c = await getJson<{ status?: { conditions?: Condition[] } }>(['crd', crd]);
        return conditionTrue(c?.status?.conditions, 'Established');
      });
      installed = xrd;
      installedFlavor = flavor;
      log(`admission: Crossplane made the ${flavor} flavor's CRD ${crd} in ${Date.now() - t} ms`);
    },
    async crdSchema() {
      if (!installed) throw new Error('no XRD installed');
      const crd = await getJson<{ spec: { versions: { schema: { openAPIV3Schema: JSONSchemaProps } }[] } }>([
        'crd',
        `${installed.plural}.${installed.group}`,
      ]);
      if (!crd) throw new Error('the CRD is gone');
      return crd.spec.versions[0].schema.openAPIV3Schema;
    },
    decode: (files, decodeLog) => decodeWithKubectl(kubectl, files, decodeLog ?? log),
    async admit(object) {
      const t = await target(object);
      if ('accepted' in t) return t;
      const res = await http('POST', `${t.collection}?${WRITE}`, object);
      return serverAnswer(res.status, res.body);
    },
    async update(stored, update) {
      const s = await target(stored);
      if ('accepted' in s) return { accepted: false, details: [`the stored claim: ${s.details.join('; ')}`] };
      const u = await target(update);
      if ('accepted' in u) return u;
      const name = stored.metadata?.name ?? '';
      if (u.collection !== s.collection || update.metadata?.name !== name)
        return { accepted: false, details: ['the update names another object than the stored claim'] };
      // Paused, so that Crossplane leaves the stored claim (its oldSelf) as it was created.
      const paused = {
        ...stored,
        metadata: {
          ...stored.metadata,
          annotations: { ...(stored.metadata?.annotations ?? {}), 'crossplane.io/paused': 'true' },
        },
      };
      const created = await http('POST', `${s.collection}?fieldValidation=Strict`, paused);
      if (created.status >= 300) {
        const why = serverAnswer(created.status, created.body).details.join('; ');
        return { accepted: false, details: [`the stored claim was refused: ${why}`] };
      }
      const item = `${s.collection}/${encodeURIComponent(name)}`;
      try {
        let resourceVersion = (JSON.parse(created.body) as Unstructured).metadata?.resourceVersion;
        for (let attempt = 0; ; attempt++) {
          const body = { ...update, metadata: { ...update.metadata, resourceVersion } };
          const res = await http('PUT', `${item}?${WRITE}`, body);
          if (res.status !== 409 || attempt >= 3) return serverAnswer(res.status, res.body);
          const now = await http('GET', item);
          resourceVersion = (JSON.parse(now.body) as Unstructured).metadata?.resourceVersion;
        }
      } finally {
        await http('DELETE', item);
      }
    },
    logs: () => `${crossplane.logs(40)}\n${kube.logs(20)}`,
    async stop() {
      agent.destroy();
      await crossplane.stop();
      await kube.stop();
    },
  };
  return server;
}

/** What `kubectl apply` asks for when it creates (or updates) an object, as a dry run. */
const WRITE = 'dryRun=All&fieldValidation=Strict&fieldManager=kubectl-client-side-apply';

interface Status {
  kind?: string;
  reason?: string;
  message?: string;
  details?: { kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

/** The apiserver's answer to a create: accepted, or the fields of its Status (causes, strict decoding). */
export function serverAnswer(status: number, body: string): Answer {
  if (status >= 200 && status < 300) return { accepted: true, fields: [], details: [] };
  let s: Status;
  try {
    s = JSON.parse(body) as Status;
  } catch {
    return { accepted: false, fields: [''], details: [`HTTP ${status}: ${body.slice(0, 300)}`] };
  }
  const message = s.message ?? '';
  const causes = s.details?.causes ?? [];
  if (causes.length > 0) {
    const fields = causes.map((c) => (c.field === undefined || c.field === '<nil>' ? '' : c.field));
    return {
      accepted: false,
      fields: [...new Set(fields)].sort(),
      details: causes.map((c, i) => `${fields[i]}: ${c.message ?? c.reason ?? ''}`),
    };
  }
  if (status === 404 && s.details?.kind === 'namespaces')
    return { accepted: false, fields: ['metadata.namespace'], details: [`metadata.namespace: ${message}`] };
  const strict = /strict decoding error: (.*)$/s.exec(message);
  if (strict) {
    const fields = [...strict[1].matchAll(/(?:unknown|duplicate) field "([^"]*)"/g)].map((m) => m[1]);
    if (fields.length > 0)
      return {
        accepted: false,
        fields: [...new Set(fields)].sort(),
        details: [...new Set(fields)].sort().map((f) => `${f}: unknown field (strict decoding)`),
      };
  }
  return { accepted: false, fields: [''], details: [`${s.reason ?? status}: ${message}`] };
}

// ---------------------------------------------------------------------------------------------
// Decoding with kubectl

const BATCH = 40;

/** A file our reader sees as exactly one object: it can share a kubectl run (items map back in order). */
function singleObject(file: string): boolean {
  try {
    const docs = loadAllYaml(readFileSync(file, 'utf8')).filter((d) => d !== null && d !== undefined);
    const [doc] = docs;
    return docs.length === 1 && isObject(doc) && doc.kind !== 'List';
  } catch {
    return false;
  }
}

/** The objects `kubectl create -o json` printed: one JSON value after another (or a List). */
function parseJsonStream(text: string): Unstructured[] {
  const out: Unstructured[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) {
      const v = JSON.parse(text.slice(start, i + 1)) as Unstructured & { items?: Unstructured[] };
      if (v.kind === 'List' && v.apiVersion === 'v1' && Array.isArray(v.items)) out.push(...v.items);
      else out.push(v);
    }
  }
  return out;
}

/** The kubectl error lines that name FILE. */
function errorsFor(stderr: string, file: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.includes(`error parsing ${file}:`) || l.includes(`from "${file}"`));
}

type Kubectl = (args: readonly string[]) => Promise<KubectlResult>;

async function decodeWithKubectl(
  kubectl: Kubectl,
  files: readonly string[],
  log: Log,
): Promise<Map<string, Decoded>> {
  const out = new Map<string, Decoded>();
  const run = (batch: readonly string[]) =>
    kubectl([
      'create',
      '--dry-run=client',
      '-o',
      'json',
      '--validate=false',
      ...batch.flatMap((f) => ['-f', f]),
    ]);
  const one = async (file: string): Promise<void> => {
    const r = await run([file]);
    const objects = parseJsonStream(r.stdout);
    if (r.code !== 0 || objects.length === 0) {
      const why = (r.stderr.trim() || 'no object in the file').split('\n')[0];
      out.set(file, { refused: `kubectl: ${why}` });
    } else out.set(file, { objects });
  };
  const singles = files.filter(singleObject);
  const others = files.filter((f) => !singles.includes(f));
  const batches: string[][] = [];
  for (let i = 0; i < singles.length; i += BATCH) batches.push(singles.slice(i, i + BATCH));
  let done = 0;
  const work = async (batch: string[]): Promise<void> => {
    const r = await run(batch);
    const objects = parseJsonStream(r.stdout);
    const failed = batch.filter((f) => errorsFor(r.stderr, f).length > 0);
    const sent = batch.filter((f) => !failed.includes(f));
    const stray = r.stderr
      .split('\n')
      .filter((l) => l.trim() && !batch.some((f) => l.includes(f)) && !/^ensure CRDs are installed/.test(l));
    if (objects.length === sent.length && stray.length === 0) {
      sent.forEach((f, i) => out.set(f, { objects: [objects[i]] }));
      for (const f of failed) out.set(f, { refused: `kubectl: ${errorsFor(r.stderr, f)[0]}` });
    } else {
      for (const f of batch) await one(f);
    }
    done += batch.length;
  };
  const queue = [...batches];
  await Promise.all(
    [0, 1].map(async () => {
      for (let b = queue.shift(); b; b = queue.shift()) await work(b);
    }),
  );
  for (const f of others) await one(f);
  log(
    `admission: kubectl read ${files.length} files (${done} in batches of ${BATCH}, ${others.length} alone)`,
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// Comparing

/** Agreement: the same verdict, and when the server answered, the same field paths. */
export function agrees(real: Answer, ours: Answer): boolean {
  if (real.accepted !== ours.accepted) return false;
  if (real.accepted || real.fields === undefined) return true;
  if (ours.fields === undefined) return false;
  return real.fields.length === ours.fields.length && real.fields.every((f, i) => f === ours.fields?.[i]);
}

function describe(a: Answer): string {
  if (a.accepted) return 'accepted';
  const fields = a.fields === undefined ? '' : ` [${a.fields.map((f) => f || '<root>').join(', ')}]`;
  const details = a.details.map((d) => (d.length > 160 ? `${d.slice(0, 157)}...` : d)).join('; ');
  return `rejected${fields}: ${details}`;
}

/** One line per disagreement: the file, the flavor and both answers. */
export function formatDisagreement(v: Verdict): string {
  return `${v.file} [${v.flavor}]: real server ${describe(v.real)} | envstack validate ${describe(v.ours)}`;
}

export function formatSummary(r: DiffReport): string {
  return `${r.files.length} claims: ${r.agree} agree, ${r.disagree} disagree`;
}

/** Where two schemas differ (dotted paths), ignoring key order. */
export function schemaDifferences(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b))) return [];
  if (isObject(a) && isObject(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])]
      .sort()
      .flatMap((k) => schemaDifferences(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return [`${path || '<root>'}: ${JSON.stringify(a)?.slice(0, 120)} != ${JSON.stringify(b)?.slice(0, 120)}`];
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}

export interface RunOptions {
  flavors?: readonly Flavor[];
  log?: Log;
  /** A server already started (the test reuses one); started and stopped here otherwise. */
  server?: AdmissionServer;
  /** Called with each disagreement as it is found. */
  onDisagreement?: (v: Verdict) => void;
}

const CONCURRENCY = 8;

/** The differential over FILES: each flavor in turn, every file sent to the server and to validateClaim. */
export async function runDifferential(files: readonly string[], opts: RunOptions = {}): Promise<DiffReport> {
  const log = opts.log ?? (() => undefined);
  const flavors = [...(opts.flavors ?? FLAVORS)];
  const t0 = Date.now();
  const server = opts.server ?? (await startAdmissionServer({ log }));
  const verdicts: Verdict[] = [];
  const schemaDrift: DiffReport['schemaDrift'] = {};
  try {
    let decoded: Map<string, Decoded> | undefined;
    for (const flavor of flavors) {
      await server.install(flavor);
      schemaDrift[flavor] = schemaDifferences(platformEnvironmentCrdSchema(flavor), await server.crdSchema());
      for (const d of schemaDrift[flavor] ?? []) log(`admission: [${flavor}] schema differs: ${d}`);
      // kubectl reads a file the same way whichever flavor serves the kind: decode once.
      decoded ??= await server.decode(files, log);
      const t = Date.now();
      let n = 0;
      const check = async (file: string): Promise<void> => {
        const real = await realAnswer(server, file, decoded?.get(file));
        const ours = ourAnswer(file, flavor);
        const v: Verdict = { file, flavor, real, ours, agree: agrees(real, ours) };
        verdicts.push(v);
        if (!v.agree) opts.onDisagreement?.(v);
        if (++n % 100 === 0) log(`admission: [${flavor}] ${n}/${files.length} claims`);
      };
      // Creates in parallel; updates one at a time (two may store a claim of the same name).
      const queue = files.filter((f) => !UPDATE_FILE.test(f));
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let file = queue.shift(); file !== undefined; file = queue.shift()) await check(file);
        }),
      );
      for (const file of files.filter((f) => UPDATE_FILE.test(f))) await check(file);
      const bad = verdicts.filter((v) => v.flavor === flavor && !v.agree).length;
      log(
        `admission: [${flavor}] ${files.length} claims in ${Date.now() - t} ms: ${files.length - bad} agree, ${bad} disagree`,
      );
    }
  } finally {
    if (!opts.server) await server.stop();
  }
  const order = new Map(files.map((f, i) => [f, i]));
  verdicts.sort(
    (a, b) =>
      (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) ||
      flavors.indexOf(a.flavor) - flavors.indexOf(b.flavor),
  );
  const disagreeing = new Set(verdicts.filter((v) => !v.agree).map((v) => v.file));
  return {
    files: [...files],
    flavors,
    verdicts,
    agree: files.length - disagreeing.size,
    disagree: disagreeing.size,
    schemaDrift,
    ms: Date.now() - t0,
  };
}

async function realAnswer(server: AdmissionServer, file: string, d: Decoded | undefined): Promise<Answer> {
  if (!d) return { accepted: false, details: ['kubectl: not read'] };
  if ('refused' in d) return { accepted: false, details: [d.refused] };
  if (UPDATE_FILE.test(file) && d.objects.length === 2) return server.update(d.objects[0], d.objects[1]);
  const answers = await Promise.all(d.objects.map((o) => server.admit(o)));
  if (answers.length === 1) return answers[0];
  const fields = answers.some((a) => a.fields === undefined)
    ? undefined
    : [...new Set(answers.flatMap((a, i) => (a.fields ?? []).map((f) => `#${i} ${f}`)))].sort();
  return {
    accepted: answers.every((a) => a.accepted),
    fields,
    details: answers.flatMap((a, i) => a.details.map((x) => `#${i} ${x}`)),
  };
}
