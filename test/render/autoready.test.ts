import { autoReady } from '../../src/engine/render/autoready.js';
import type { RunFunctionRequest } from '../../src/engine/render/fnapi.js';

const cond = (status: string) => ({ status: { conditions: [{ type: 'Ready', status }] } });

function request(): RunFunctionRequest {
  return {
    observed: {
      composite: { resource: { kind: 'XR' } },
      resources: {
        ready: { resource: { apiVersion: 'ec2/v1', kind: 'VPC', ...cond('True') } },
        notready: { resource: { apiVersion: 'ec2/v1', kind: 'VPC', ...cond('False') } },
        explicit: { resource: { apiVersion: 'ec2/v1', kind: 'VPC', ...cond('True') } },
        cm: { resource: { apiVersion: 'v1', kind: 'ConfigMap' } },
        deploy: {
          resource: {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            spec: { replicas: 2 },
            status: {
              updatedReplicas: 2,
              availableReplicas: 1,
              conditions: [{ type: 'Available', status: 'True' }],
            },
          },
        },
      },
    },
    desired: {
      composite: { resource: { status: { a: 1 } } },
      resources: {
        ready: { resource: { kind: 'VPC' } },
        notready: { resource: { kind: 'VPC' } },
        explicit: { resource: { kind: 'VPC' }, ready: 'READY_FALSE' },
        missing: { resource: { kind: 'VPC' } },
        cm: { resource: { kind: 'ConfigMap' } },
        deploy: { resource: { kind: 'Deployment' } },
      },
    },
    context: { k: 'v' },
  };
}

describe('autoReady', () => {
  it('marks observed resources with Ready=True (or a passing kind health check) as ready', () => {
    const rsp = autoReady(request());
    const ready = Object.fromEntries(Object.entries(rsp.desired.resources).map(([k, v]) => [k, v.ready]));
    expect(ready).toEqual({
      ready: 'READY_TRUE',
      notready: 'READY_UNSPECIFIED',
      explicit: 'READY_FALSE',
      missing: 'READY_UNSPECIFIED',
      cm: 'READY_TRUE',
      deploy: 'READY_UNSPECIFIED',
    });
    expect(rsp.desired.composite).toEqual({ resource: { status: { a: 1 } } });
    expect(rsp.context).toEqual({ k: 'v' });
    expect(rsp.results).toEqual([]);
  });

  it('rejects a bad ttl', () => {
    const req = {
      ...request(),
      input: { apiVersion: 'autoready.fn.crossplane.io/v1beta1', kind: 'Input', ttl: '5x' },
    };
    expect(autoReady(req).results[0].message).toBe('cannot set ttl: time: unknown unit "x" in duration "5x"');
  });
});
