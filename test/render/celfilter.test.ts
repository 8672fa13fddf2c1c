import { celFilter } from '../../src/engine/render/celfilter.js';
import type { RunFunctionRequest } from '../../src/engine/render/fnapi.js';

function request(filters: { name: string; expression: string }[]): RunFunctionRequest {
  return {
    observed: {
      composite: {
        resource: { apiVersion: 'x/v1', kind: 'XR', spec: { widgets: 42, enabled: true, env: 'prod' } },
      },
      resources: {
        bucket: {
          resource: { status: { ready: 'yes' } },
          connectionDetails: { user: Buffer.from('admin').toString('base64') },
        },
      },
    },
    desired: {
      resources: {
        bucket: { resource: { kind: 'Bucket' } },
        'bucket-policy': { resource: { kind: 'BucketPolicy' } },
        queue: { resource: { kind: 'Queue' }, ready: 'READY_TRUE' },
      },
    },
    context: { flags: { queue: false } },
    input: { apiVersion: 'cel.fn.crossplane.io/v1beta1', kind: 'Filters', filters },
  };
}

const names = (req: RunFunctionRequest) => Object.keys(celFilter(req).desired.resources).sort();

describe('celFilter', () => {
  it('keeps resources whose expression is true and drops matching ones whose expression is false', () => {
    expect(names(request([{ name: 'queue', expression: 'context.flags.queue == true' }]))).toEqual([
      'bucket',
      'bucket-policy',
    ]);
    expect(
      names(request([{ name: 'queue', expression: 'observed.composite.resource.spec.widgets == 42' }])),
    ).toEqual(['bucket', 'bucket-policy', 'queue']);
  });

  it('matches names as anchored RE2 expressions', () => {
    expect(names(request([{ name: 'buck.*', expression: 'false' }]))).toEqual(['queue']);
    expect(names(request([{ name: 'buck', expression: 'false' }]))).toEqual([
      'bucket',
      'bucket-policy',
      'queue',
    ]);
  });

  it('sees JSON numbers as doubles, ready as an enum and connection details as bytes', () => {
    const keep = (expression: string) => names(request([{ name: 'queue', expression }])).includes('queue');
    expect(keep('observed.composite.resource.spec.widgets == 42.0')).toBe(true);
    expect(keep('observed.composite.resource.spec.widgets > 41')).toBe(true);
    expect(keep("desired.resources['queue'].ready == 1")).toBe(true);
    expect(keep("observed.resources['bucket'].connection_details['user'] == b'admin'")).toBe(true);
    expect(keep('has(observed.resources.nope)')).toBe(false);
  });

  it('returns a fatal result for an expression that is not boolean', () => {
    const rsp = celFilter(request([{ name: 'queue', expression: 'observed.composite.resource.spec.env' }]));
    expect(rsp.results).toEqual([
      {
        severity: 'SEVERITY_FATAL',
        target: 'TARGET_COMPOSITE',
        message:
          'cannot evaluate CEL expression "observed.composite.resource.spec.env" for filter 0: expression "observed.composite.resource.spec.env" must return a boolean, but will return dyn instead',
      },
    ]);
  });

  it('reports type-check errors like cel-go', () => {
    expect(celFilter(request([{ name: 'x', expression: 'observed.compsite == 1' }])).results[0].message).toBe(
      'cannot evaluate CEL expression "observed.compsite == 1" for filter 0: cannot type-check expression: ERROR: <input>:1:9: undefined field \'compsite\'\n | observed.compsite == 1\n | ........^',
    );
    expect(celFilter(request([{ name: 'x', expression: 'true && foo' }])).results[0].message).toBe(
      "cannot evaluate CEL expression \"true && foo\" for filter 0: cannot type-check expression: ERROR: <input>:1:9: undeclared reference to 'foo' (in container '')\n | true && foo\n | ........^",
    );
  });

  it('reports missing keys at evaluation time', () => {
    expect(
      celFilter(request([{ name: 'x', expression: 'observed.composite.resource.spec.missing == 1' }]))
        .results[0].message,
    ).toBe(
      'cannot evaluate CEL expression "observed.composite.resource.spec.missing == 1" for filter 0: cannot evaluate CEL program: no such key: missing',
    );
  });

  it('reports bad regular expressions', () => {
    expect(celFilter(request([{ name: 'a(', expression: 'true' }])).results[0].message).toBe(
      'cannot compile regular expression "^a($" for filter 0: error parsing regexp: missing closing ): `^a($`',
    );
  });

  it('passes desired state and context through untouched without input', () => {
    const req = request([]);
    delete req.input;
    const rsp = celFilter(req);
    expect(rsp.desired).toEqual(req.desired);
    expect(rsp.context).toEqual(req.context);
    expect(rsp.results).toEqual([]);
  });
});
