"""Prints the forProvider fields of provider kinds: scripts/fields.py ec2 VPCEndpoint [flavor]"""
import json, sys, yaml, glob, os
svc, kind = sys.argv[1], sys.argv[2]
flv = sys.argv[3] if len(sys.argv) > 3 else 'claim'
cat = json.load(open('src/platform/compose/aws/catalog.generated.json'))
grp = f"{svc}.aws.upbound.io" if flv == 'claim' else f"{svc}.aws.m.upbound.io"
ver = cat[f"{grp}/{kind}"]['version']
for f in glob.glob(f"../shared/crds/provider-aws-v2.6.0/{grp}_*.yaml"):
    d = yaml.safe_load(open(f))
    if d['spec']['names']['kind'] != kind: continue
    v = [x for x in d['spec']['versions'] if x['name'] == ver][0]
    sp = v['schema']['openAPIV3Schema']['properties']['spec']
    fp = sp['properties']['forProvider']['properties']
    def show(p, ind=0, depth=0):
        for k, s in sorted(p.items()):
            t = s.get('type')
            extra = ''
            if t == 'array': extra = '[' + s.get('items', {}).get('type', '') + ']'
            print('  ' * ind + f"{k}: {t}{extra}")
            if depth < 1 and t == 'object' and 'properties' in s: show(s['properties'], ind + 1, depth + 1)
            if depth < 1 and t == 'array' and 'properties' in s.get('items', {}): show(s['items']['properties'], ind + 1, depth + 1)
    print(grp, ver); show(fp)
    print('rules:', [r['rule'][:140] for r in sp.get('x-kubernetes-validations', [])])
