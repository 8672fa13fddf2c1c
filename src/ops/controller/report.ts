/** What `envstack status NAME -n NS [--watch]` and `envstack drift NAME -n NS` read and print. */
import { KubeConfig, Watch } from '@kubernetes/client-node';
import type { Flavor } from '../../platform/compose/flavor.js';
import { compositionRenderer, type RenderDesired } from './desired.js';
import { statusCodeOf } from './errors.js';
import { defaultKubeConfig, KubeClient, resourcePath } from './kube.js';
import { isObject, type KObject } from './object.js';
import { pluralOf } from '../../platform/delivery/controller-rbac.js';
import {
  compareComponents,
  computeStatus,
  isTruncated,
  NO_LIMITS,
  type ControllerStatus,
  type DriftItem,
} from './status.js';
import { readEnvironment, type ReadOptions } from './read.js';

function bar(ready: number, total: number, width = 20): string {
  const filled = total === 0 ? 0 : Math.round((ready / total) * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

function age(since: string | undefined, now: Date): string {
  if (!since) return '';
  const s = Math.max(0, Math.round((now.getTime() - new Date(since).getTime()) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

const statusOf = (o: KObject): Partial<ControllerStatus> =>
  (isObject(o.status) ? o.status : {}) as Partial<ControllerStatus>;

/** The status as `envstack status` prints it: phase, ready/total, drift, each component, the blocking error. */
export function formatStatus(
  title: string,
  xrOrStatus: KObject | Partial<ControllerStatus>,
  now = new Date(),
): string {
  const status =
    'phase' in xrOrStatus || 'drift' in xrOrStatus
      ? (xrOrStatus as Partial<ControllerStatus>)
      : statusOf(xrOrStatus as KObject);
  const lines = [
    `${title}  phase: ${status.phase ?? 'Unknown'}  ready: ${status.componentsReady ?? '-'}  drift: ${status.drift?.count ?? 0}`,
  ];
  const components = status.components ?? {};
  const width = Math.max(10, ...Object.keys(components).map((k) => k.length));
  for (const k of Object.keys(components).sort(compareComponents)) {
    const c = components[k];
    lines.push(`  ${k.padEnd(width)}  ${bar(c.ready, c.total)}  ${c.ready}/${c.total}`);
  }
  const b = status.blockingError;
  if (b) {
    lines.push(
      `blocking: ${b.kind} ${b.resource}${b.reason ? ` (${b.reason})` : ''}${b.since ? `, for ${age(b.since, now)}` : ''}`,
    );
    lines.push(`  ${b.message}`);
  }
  const drift = status.drift;
  if (drift && drift.count > 0) {
    const shown = drift.items?.length ?? 0;
    lines.push(
      `drift: ${drift.spec ?? 0} spec, ${drift.cloud ?? 0} cloud${shown < drift.count ? ` (${drift.count - shown} not in the status)` : ''}: envstack drift`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface StatusCommandOptions extends ReadOptions {
  /** Print again on every change until the environment is Ready. */
  watch?: boolean;
  /** Ends --watch early. */
  signal?: AbortSignal;
  /** @deprecated the flavor is read from the object. */
  flavor?: Flavor;
}

export async function statusCommand(
  name: string,
  namespace: string,
  opts: StatusCommandOptions = {},
): Promise<void> {
  const out = opts.out ?? ((t: string) => void process.stdout.write(t));
  const kc = opts.kubeConfig ?? defaultKubeConfig();
  let view = await readEnvironment(name, namespace, { ...opts, kubeConfig: kc });
  const title = `${namespace}/${name}`;
  let last = formatStatus(title, view.status);
  out(last);
  if (!opts.watch) return;
  const ready = (s: Partial<ControllerStatus>): boolean => s.phase === 'Ready';
  let rv = (view.source.name === view.object.metadata?.name ? view.object : view.xr)?.metadata
    ?.resourceVersion;
  while (!opts.signal?.aborted && !ready(view.status)) {
    const status = await new Promise<Partial<ControllerStatus> | 'relist' | 'ended'>((resolve) => {
      let result: Partial<ControllerStatus> | 'relist' | 'ended' = 'ended';
      let abortWatch: (() => void) | undefined;
      const onAbort = (): void => abortWatch?.();
      const onEvent = (type: string, obj: KObject): void => {
        if (type === 'ERROR') {
          result = 'relist';
          return abortWatch?.();
        }
        if (type !== 'ADDED' && type !== 'MODIFIED') return;
        rv = obj.metadata?.resourceVersion ?? rv;
        const s = statusOf(obj);
        const text = formatStatus(title, s);
        if (text !== last) out(text);
        last = text;
        if (ready(s)) {
          result = s;
          abortWatch?.();
        }
      };
      new Watch(kc)
        .watch(
          view.source.path,
          {
            fieldSelector: `metadata.name=${view.source.name}`,
            resourceVersion: rv,
            allowWatchBookmarks: false,
          },
          onEvent,
          () => {
            opts.signal?.removeEventListener('abort', onAbort);
            resolve(result);
          },
        )
        .then(
          (controller) => {
            abortWatch = () => controller.abort();
            opts.signal?.addEventListener('abort', onAbort);
            if (opts.signal?.aborted) controller.abort();
          },
          () => resolve('relist'),
        );
    });
    if (status === 'relist') {
      await new Promise((r) => setTimeout(r, 500));
      view = await readEnvironment(name, namespace, { ...opts, kubeConfig: kc });
      rv = (view.source.name === view.object.metadata?.name ? view.object : view.xr)?.metadata
        ?.resourceVersion;
      const text = formatStatus(title, view.status);
      if (text !== last) out(text);
      last = text;
    } else if (status !== 'ended') {
      view = { ...view, status };
    }
  }
}

const CELL = 60;

/** The drift table; values too long for a column follow it in full. */
export function formatDrift(
  xrOrItems: KObject | { count: number; items: DriftItem[]; note?: string },
  now = new Date(),
): string {
  const given = 'items' in xrOrItems && Array.isArray(xrOrItems.items) && 'count' in xrOrItems;
  const drift = given
    ? (xrOrItems as { count: number; items: DriftItem[]; note?: string })
    : {
        count: statusOf(xrOrItems as KObject).drift?.count ?? 0,
        items: statusOf(xrOrItems as KObject).drift?.items ?? [],
      };
  const items = drift.items;
  if (items.length === 0 && drift.count === 0) return 'No drift.\n';
  const long: string[] = [];
  const cell = (item: DriftItem, label: string, value: string): string => {
    if (value.length <= CELL) return value;
    long.push(`${item.resource} ${item.field} ${label}: ${value}`);
    return `${value.slice(0, CELL - 3)}...`;
  };
  const rows = [
    ['RESOURCE', 'KIND', 'TYPE', 'FIELD', 'WANT', 'HAVE', 'SINCE'],
    ...items.map((i) => [
      i.resource,
      i.kind,
      i.type,
      cell(i, 'field', i.field),
      cell(i, 'want', i.want ?? '<unset>'),
      cell(i, 'have', i.have ?? '<unset>'),
      age(i.since, now),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const text = rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  const full = long.length > 0 ? `\n\n${long.join('\n')}` : '';
  const note =
    'note' in drift && drift.note
      ? `\n${drift.note}`
      : drift.count > items.length
        ? `\n(${drift.count} drifted fields, first ${items.length} shown)`
        : '';
  return `${text}${full}${note}\n`;
}

export interface DriftCommandOptions extends ReadOptions {
  /** Renders spec drift when the status left items out (default: the in-process Composition renderer). */
  renderDesired?: RenderDesired;
}

/**
 * The drift of NAME in NS: the status's items, or — when the status had to leave items out or cut
 * values — every item in full, computed the way the controller does from the live resources.
 */
export async function driftCommand(
  name: string,
  namespace: string,
  opts: DriftCommandOptions = {},
): Promise<void> {
  const out = opts.out ?? ((t: string) => void process.stdout.write(t));
  const kc = opts.kubeConfig ?? defaultKubeConfig();
  const view = await readEnvironment(name, namespace, { ...opts, kubeConfig: kc });
  const drift = view.status.drift ?? { count: 0, items: [] };
  const items = drift.items ?? [];
  const cut =
    drift.count > items.length ||
    items.some((i) => isTruncated(i.want) || isTruncated(i.have) || isTruncated(i.field));
  if (!cut) return out(formatDrift({ count: drift.count, items }));
  const complete = view.xr ? await fullDrift(kc, view.xr, opts).catch(() => undefined) : undefined;
  if (!complete) {
    return out(
      formatDrift({
        count: drift.count,
        items,
        note: `(the status holds ${items.length} of ${drift.count} drifted fields, some values cut; the Events on ${namespace}/${name} list more, and reading the managed resources shows all)`,
      }),
    );
  }
  const since = new Map(items.map((i) => [`${i.type}\0${i.resource}\0${i.field}`, i.since]));
  const all = (complete.items ?? []).map((i) => ({
    ...i,
    since: since.get(`${i.type}\0${i.resource}\0${i.field}`) ?? i.since,
  }));
  out(
    formatDrift({
      count: complete.count,
      items: all,
      note: `(computed from the live resources: the status holds ${items.length} of ${drift.count})`,
    }),
  );
}

/** Drift without the status's caps, from the XR's managed resources (and its revision for spec drift). */
async function fullDrift(
  kc: KubeConfig,
  xr: KObject,
  opts: DriftCommandOptions,
): Promise<ControllerStatus['drift']> {
  const client = new KubeClient(kc);
  try {
    const spec = isObject(xr.spec) ? xr.spec : {};
    const cp = isObject(spec.crossplane) ? spec.crossplane : {};
    const refs = (
      Array.isArray(spec.resourceRefs)
        ? spec.resourceRefs
        : Array.isArray(cp.resourceRefs)
          ? cp.resourceRefs
          : []
    ).filter(isObject);
    const mrs = (
      await Promise.all(
        refs.map(async (r) => {
          const [group, version] = String(r.apiVersion ?? '').split('/');
          const path = resourcePath(
            { group, version, plural: pluralOf(String(r.kind ?? '')) },
            xr.metadata?.namespace,
            String(r.name ?? ''),
          );
          try {
            return await client.request<KObject>('GET', path);
          } catch (err) {
            if (statusCodeOf(err) === 404) return undefined;
            throw err;
          }
        }),
      )
    ).filter((m): m is KObject => m !== undefined);
    let desired: readonly KObject[] | undefined;
    const flavor: Flavor = xr.metadata?.namespace ? 'namespaced' : 'claim';
    const render = opts.renderDesired ?? (await compositionRenderer(flavor, opts.group));
    const revision = isObject(spec.compositionRevisionRef)
      ? spec.compositionRevisionRef
      : isObject(cp.compositionRevisionRef)
        ? cp.compositionRevisionRef
        : undefined;
    let composition: KObject | undefined;
    if (typeof revision?.name === 'string') {
      try {
        const rev = await client.request<KObject>(
          'GET',
          resourcePath(
            { group: 'apiextensions.crossplane.io', version: 'v1', plural: 'compositionrevisions' },
            undefined,
            revision.name,
          ),
        );
        const revSpec = isObject(rev.spec) ? { ...rev.spec } : {};
        delete revSpec.revision;
        composition = {
          apiVersion: 'apiextensions.crossplane.io/v1',
          kind: 'Composition',
          metadata: { name: rev.metadata?.labels?.['crossplane.io/composition-name'] ?? rev.metadata?.name },
          spec: revSpec,
        };
      } catch {
        composition = undefined;
      }
    }
    try {
      desired = render(xr, mrs, composition ? { composition } : undefined);
    } catch {
      desired = undefined;
    }
    return computeStatus({ xr, mrs, desired, now: new Date(), limits: NO_LIMITS }).drift;
  } finally {
    client.close();
  }
}
