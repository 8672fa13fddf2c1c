import { randomUUID } from 'node:crypto';
import yaml from 'js-yaml';
import {
  applyConfiguration,
  readOwners,
  recordUpdate,
  writeOwners,
  type Scope,
  type WriterIdentity,
} from './fields.js';
import { clone, deepEqual, isObject, jsonPatch, mergePatch, PatchError, type JsonObject } from './json.js';
import { fieldSelector, labelSelector } from './selectors.js';
import { ApiError, tooOldResourceVersion } from './status.js';
import type { Store } from './store.js';
import { apiVersionOf, qualifiedResource, type KubeObject, type ResourceKind } from './types.js';

export interface ResourceRequest {
  kind: ResourceKind;
  kindKey: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: Record<string, string>;
  contentType: string;
  body: string;
  userAgent?: string;
}

export interface ResourceResponse {
  code: number;
  body: JsonObject;
}

const SYSTEM_METADATA = [
  'name',
  'namespace',
  'uid',
  'creationTimestamp',
  'generation',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];
const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function notFound(kind: ResourceKind, name: string): ApiError {
  return new ApiError(404, `${qualifiedResource(kind)} "${name}" not found`, 'NotFound', {
    name,
    group: kind.group,
    kind: kind.plural,
  });
}

export function conflict(kind: ResourceKind, name: string): ApiError {
  return new ApiError(
    409,
    `Operation cannot be fulfilled on ${qualifiedResource(kind)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    'Conflict',
    { name, group: kind.group, kind: kind.plural },
  );
}

/** metav1.MicroTime as JSON: RFC 3339 with exactly six fraction digits. */
const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

function parseBody(body: string, contentType: string): unknown {
  try {
    if (contentType === 'application/yaml' || contentType === 'application/apply-patch+yaml') {
      return yaml.load(body);
    }
    return JSON.parse(body);
  } catch (err) {
    throw new ApiError(400, `the body of the request could not be decoded: ${(err as Error).message}`);
  }
}

function asKubeObject(value: unknown): KubeObject {
  if (!isObject(value)) throw new ApiError(400, 'the body of the request must be an object');
  const metadata = value.metadata;
  if (metadata !== undefined && !isObject(metadata)) throw new ApiError(400, 'metadata must be an object');
  return { ...value, metadata: { ...(metadata ?? {}) } } as KubeObject;
}

/** Everything except status and metadata, or everything except metadata for kinds without /status. */
function specPart(kind: ResourceKind, obj: KubeObject): JsonObject {
  const rest: JsonObject = { ...obj };
  delete rest.metadata;
  if (kind.statusSubresource) delete rest.status;
  return rest;
}

/** A write that changes only these is not persisted, as with the real server. */
function withoutVolatile(obj: KubeObject): KubeObject {
  const copy = clone(obj);
  delete copy.metadata.resourceVersion;
  for (const entry of copy.metadata.managedFields ?? []) entry.time = '';
  return copy;
}

/** The CRUD, patch and apply semantics of the generic registry, independent of HTTP. */
export class Resources {
  constructor(
    private readonly store: Store,
    private readonly namespaceExists: (name: string) => boolean,
  ) {}

  get(req: ResourceRequest): ResourceResponse {
    return { code: 200, body: this.mustGet(req) };
  }

  list(req: ResourceRequest): ResourceResponse {
    const { kind, query } = req;
    const current = this.store.resourceVersion;
    if (query.resourceVersionMatch === 'Exact' && query.resourceVersion) {
      const wanted = Number(query.resourceVersion);
      if (wanted < this.store.oldestWatchable)
        throw tooOldResourceVersion(wanted, this.store.oldestWatchable + 1);
      if (wanted !== current)
        throw new ApiError(400, 'fake apiserver: Exact list at a past resourceVersion is unsupported');
    }
    const byLabel = labelSelector(query.labelSelector);
    const byField = fieldSelector(query.fieldSelector);
    let items = this.store.list(req.kindKey, req.namespace).filter((o) => byLabel(o) && byField(o));
    let listRv = current;
    if (query.continue) {
      const token = this.decodeContinue(query.continue);
      listRv = token.rv;
      items = items.filter((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}` > token.after);
    }
    const metadata: JsonObject = { resourceVersion: String(listRv) };
    const limit = Number(query.limit ?? '0');
    if (limit > 0 && items.length > limit) {
      const last = items[limit - 1];
      metadata.continue = Buffer.from(
        JSON.stringify({ rv: listRv, after: `${last.metadata.namespace ?? ''}/${last.metadata.name}` }),
      ).toString('base64url');
      metadata.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
    const body: JsonObject = {
      apiVersion: apiVersionOf(kind),
      kind: `${kind.kind}List`,
      metadata,
      items: items.map((o) => {
        if (!kind.builtin) return o;
        const item: JsonObject = { ...o };
        delete item.apiVersion;
        delete item.kind;
        return item;
      }),
    };
    return { code: 200, body };
  }

  create(req: ResourceRequest): ResourceResponse {
    const { kind } = req;
    const obj = asKubeObject(parseBody(req.body, req.contentType));
    this.checkTypeMeta(kind, obj);
    this.checkNamespace(req, obj);
    if (!obj.metadata.name) {
      if (!obj.metadata.generateName) {
        throw new ApiError(
          422,
          `${kind.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
          'Invalid',
        );
      }
      obj.metadata.name = this.generateName(req, obj.metadata.generateName);
    }
    const created = this.prepareCreate(req, obj);
    const owners = readOwners(undefined);
    recordUpdate(owners, this.writer(req), undefined, created, this.scope(req));
    created.metadata.managedFields = writeOwners(owners, created);
    return { code: 201, body: this.dryRun(req) ? created : this.store.commit(req.kindKey, 'ADDED', created) };
  }

  update(req: ResourceRequest): ResourceResponse {
    const live = this.mustGet(req);
    const incoming = asKubeObject(parseBody(req.body, req.contentType));
    this.checkTypeMeta(req.kind, incoming);
    if (incoming.metadata.name && incoming.metadata.name !== req.name) {
      throw new ApiError(
        400,
        `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${req.name})`,
      );
    }
    return this.write(req, live, incoming);
  }

  patch(req: ResourceRequest): ResourceResponse {
    switch (req.contentType) {
      case 'application/apply-patch+yaml':
        return this.apply(req);
      case 'application/merge-patch+json':
        return this.write(
          req,
          this.mustGet(req),
          this.patched(req, (live, body) => mergePatch(live, body)),
        );
      case 'application/json-patch+json':
        return this.write(
          req,
          this.mustGet(req),
          this.patched(req, (live, body) => jsonPatch(live, body)),
        );
      case 'application/strategic-merge-patch+json':
        if (req.kind.builtin) {
          return this.write(
            req,
            this.mustGet(req),
            this.patched(req, (live, body) => mergePatch(live, body)),
          );
        }
        break;
    }
    throw new ApiError(
      415,
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
    );
  }

  delete(req: ResourceRequest): ResourceResponse {
    const live = this.mustGet(req);
    const options = req.body.trim() ? parseBody(req.body, 'application/json') : {};
    const pre = isObject(options) && isObject(options.preconditions) ? options.preconditions : {};
    if (typeof pre.uid === 'string' && pre.uid !== live.metadata.uid) {
      throw new ApiError(
        409,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${live.metadata.uid}`,
        'Conflict',
      );
    }
    if (typeof pre.resourceVersion === 'string' && pre.resourceVersion !== live.metadata.resourceVersion) {
      throw new ApiError(
        409,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${live.metadata.resourceVersion}`,
        'Conflict',
      );
    }
    if (this.dryRun(req)) return { code: 200, body: live };
    return { code: 200, body: this.remove(req, live) };
  }

  deleteCollection(req: ResourceRequest): ResourceResponse {
    const byLabel = labelSelector(req.query.labelSelector);
    const byField = fieldSelector(req.query.fieldSelector);
    const selected = this.store.list(req.kindKey, req.namespace).filter((o) => byLabel(o) && byField(o));
    const items = this.dryRun(req) ? selected : selected.map((o) => this.remove(req, o));
    const metadata = { resourceVersion: String(this.store.resourceVersion) };
    return {
      code: 200,
      body: { apiVersion: apiVersionOf(req.kind), kind: `${req.kind.kind}List`, metadata, items },
    };
  }

  private remove(req: ResourceRequest, live: KubeObject): KubeObject {
    if ((live.metadata.finalizers ?? []).length > 0) {
      if (live.metadata.deletionTimestamp) return live;
      const marked = clone(live);
      marked.metadata.deletionTimestamp = now();
      marked.metadata.deletionGracePeriodSeconds = 0;
      if (marked.metadata.generation !== undefined) marked.metadata.generation += 1;
      return this.store.commit(req.kindKey, 'MODIFIED', marked, live);
    }
    return this.store.commit(req.kindKey, 'DELETED', live, live);
  }

  private apply(req: ResourceRequest): ResourceResponse {
    const { kind, query } = req;
    if (!query.fieldManager) {
      throw new ApiError(
        422,
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        'Invalid',
      );
    }
    const applied = asKubeObject(parseBody(req.body, req.contentType));
    if (!applied.apiVersion || !applied.kind) {
      throw new ApiError(400, 'apiVersion and kind are required in an apply configuration');
    }
    this.checkTypeMeta(kind, applied);
    if (applied.metadata.name && applied.metadata.name !== req.name) {
      throw new ApiError(
        400,
        `the name of the object (${applied.metadata.name}) does not match the name on the URL (${req.name})`,
      );
    }
    const live = this.store.get(req.kindKey, req.namespace, req.name ?? '');
    if (!live && req.subresource) throw notFound(kind, req.name ?? '');
    if (
      live &&
      applied.metadata.resourceVersion &&
      applied.metadata.resourceVersion !== live.metadata.resourceVersion
    ) {
      throw conflict(kind, req.name ?? '');
    }
    const scope = this.scope(req);
    const base: KubeObject = live ?? {
      apiVersion: apiVersionOf(kind),
      kind: kind.kind,
      metadata: { name: req.name, ...(kind.namespaced ? { namespace: req.namespace } : {}) },
    };
    const owners = readOwners(live?.metadata.managedFields);
    const force = query.force === 'true';
    const merged = applyConfiguration(owners, base, applied, this.writer(req), scope, force) as KubeObject;
    if (!live) {
      this.checkNamespace(req, merged);
      const created = this.prepareCreate(req, merged);
      created.metadata.managedFields = writeOwners(owners, created);
      return {
        code: 201,
        body: this.dryRun(req) ? created : this.store.commit(req.kindKey, 'ADDED', created),
      };
    }
    return this.finishWrite(req, live, merged, owners);
  }

  private patched(req: ResourceRequest, patch: (live: KubeObject, body: unknown) => unknown): KubeObject {
    const live = this.mustGet(req);
    const body = parseBody(req.body, 'application/json');
    let result: unknown;
    try {
      result = patch(live, body);
    } catch (err) {
      if (err instanceof PatchError) throw new ApiError(422, err.message, 'Invalid');
      throw err;
    }
    return asKubeObject(result);
  }

  /** Update semantics shared by PUT and non-apply PATCH. */
  private write(req: ResourceRequest, live: KubeObject, incoming: KubeObject): ResourceResponse {
    this.checkDecodable(req.kind, incoming);
    const rv = incoming.metadata.resourceVersion;
    if (rv && rv !== live.metadata.resourceVersion) throw conflict(req.kind, req.name ?? '');
    const scope = this.scope(req);
    let next: KubeObject;
    if (scope === 'status') {
      next = clone(live);
      if (incoming.status === undefined) delete next.status;
      else next.status = clone(incoming.status);
    } else {
      next = clone(incoming);
      next.apiVersion = live.apiVersion;
      next.kind = live.kind;
      if (scope === 'main') {
        if (live.status === undefined) delete next.status;
        else next.status = clone(live.status);
      }
    }
    const owners = readOwners(live.metadata.managedFields);
    recordUpdate(owners, this.writer(req), live, next, scope);
    return this.finishWrite(req, live, next, owners);
  }

  private finishWrite(
    req: ResourceRequest,
    live: KubeObject,
    next: KubeObject,
    owners: ReturnType<typeof readOwners>,
  ): ResourceResponse {
    for (const field of SYSTEM_METADATA) {
      if (live.metadata[field] === undefined) delete next.metadata[field];
      else next.metadata[field] = live.metadata[field];
    }
    next.metadata.resourceVersion = live.metadata.resourceVersion;
    if (
      live.metadata.generation !== undefined &&
      !deepEqual(specPart(req.kind, live), specPart(req.kind, next))
    ) {
      next.metadata.generation = live.metadata.generation + 1;
    }
    next.metadata.managedFields = writeOwners(owners, next);
    if (next.metadata.managedFields === undefined) delete next.metadata.managedFields;
    if (deepEqual(withoutVolatile(live), withoutVolatile(next))) return { code: 200, body: live };
    if (this.dryRun(req)) return { code: 200, body: next };
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      return { code: 200, body: this.store.commit(req.kindKey, 'DELETED', next, live) };
    }
    return { code: 200, body: this.store.commit(req.kindKey, 'MODIFIED', next, live) };
  }

  private prepareCreate(req: ResourceRequest, obj: KubeObject): KubeObject {
    const { kind } = req;
    const name = obj.metadata.name ?? '';
    if (this.store.get(req.kindKey, obj.metadata.namespace, name)) {
      throw new ApiError(409, `${qualifiedResource(kind)} "${name}" already exists`, 'AlreadyExists', {
        name,
        group: kind.group,
        kind: kind.plural,
      });
    }
    const created = clone(obj);
    created.apiVersion = apiVersionOf(kind);
    created.kind = kind.kind;
    if (kind.statusSubresource) delete created.status;
    if (kind.group === '' && kind.kind === 'Namespace') created.status = { phase: 'Active' };
    const meta = created.metadata;
    for (const field of [
      'resourceVersion',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'managedFields',
    ]) {
      delete meta[field];
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = now();
    if (kind.builtin) delete meta.generation;
    else meta.generation = 1;
    return created;
  }

  private mustGet(req: ResourceRequest): KubeObject {
    const obj = this.store.get(req.kindKey, req.namespace, req.name ?? '');
    if (!obj) throw notFound(req.kind, req.name ?? '');
    return obj;
  }

  /** What the real server cannot decode into the kind's Go type: a Lease's times must be MicroTime. */
  private checkDecodable(kind: ResourceKind, obj: KubeObject): void {
    if (kind.group !== 'coordination.k8s.io' || kind.kind !== 'Lease') return;
    const spec = isObject(obj.spec) ? obj.spec : {};
    for (const field of ['acquireTime', 'renewTime']) {
      const v = spec[field];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string' || !MICRO_TIME.test(v))
        throw new ApiError(
          400,
          `Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse`,
        );
    }
  }

  private checkTypeMeta(kind: ResourceKind, obj: KubeObject): void {
    this.checkDecodable(kind, obj);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersionOf(kind)) {
      throw new ApiError(
        400,
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersionOf(kind)})`,
      );
    }
    if (obj.kind !== undefined && obj.kind !== kind.kind) {
      throw new ApiError(
        400,
        `the kind in the data (${String(obj.kind)}) does not match the expected kind (${kind.kind})`,
      );
    }
  }

  private checkNamespace(req: ResourceRequest, obj: KubeObject): void {
    if (!req.kind.namespaced) {
      delete obj.metadata.namespace;
      return;
    }
    if (obj.metadata.namespace && obj.metadata.namespace !== req.namespace) {
      throw new ApiError(
        400,
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    obj.metadata.namespace = req.namespace;
    if (req.namespace && !this.namespaceExists(req.namespace)) {
      throw new ApiError(404, `namespaces "${req.namespace}" not found`, 'NotFound', {
        name: req.namespace,
        kind: 'namespaces',
      });
    }
  }

  private generateName(req: ResourceRequest, prefix: string): string {
    for (;;) {
      let suffix = '';
      for (let i = 0; i < 5; i++)
        suffix += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
      if (!this.store.get(req.kindKey, req.namespace, prefix + suffix)) return prefix + suffix;
    }
  }

  private scope(req: ResourceRequest): Scope {
    if (req.subresource === 'status') return 'status';
    return req.kind.statusSubresource ? 'main' : 'all';
  }

  private writer(req: ResourceRequest): WriterIdentity {
    const fallback = (req.userAgent ?? 'unknown').split('/')[0] || 'unknown';
    return {
      manager: req.query.fieldManager || fallback,
      subresource: req.subresource ?? '',
      apiVersion: apiVersionOf(req.kind),
      time: now(),
    };
  }

  private dryRun(req: ResourceRequest): boolean {
    return req.query.dryRun === 'All';
  }

  private decodeContinue(token: string): { rv: number; after: string } {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      throw new ApiError(400, 'continue key is not valid');
    }
    if (!isObject(parsed) || typeof parsed.rv !== 'number' || typeof parsed.after !== 'string') {
      throw new ApiError(400, 'continue key is not valid');
    }
    if (parsed.rv < this.store.oldestWatchable) {
      throw new ApiError(
        410,
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        'Expired',
      );
    }
    return { rv: parsed.rv, after: parsed.after };
  }
}
