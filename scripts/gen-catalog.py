"""Writes src/platform/compose/aws/catalog.generated.json from the provider CRDs: for each kind, the newest
served version, the storage version, and whether forProvider takes tags and region."""
import glob, json, os, re, sys
import yaml

crds = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'crds', 'provider-aws-v2.6.0')
order = lambda v: [int(x) if x.isdigit() else x for x in re.findall(r'\d+|[a-z]+', v)]
rank = {'alpha': 0, 'beta': 1}

def key(v):
    m = re.match(r'v(\d+)(alpha|beta)?(\d+)?', v)
    return (int(m.group(1)), rank.get(m.group(2), 2), int(m.group(3) or 0))

out = {}
for f in sorted(glob.glob(os.path.join(crds, '*.yaml'))):
    d = yaml.safe_load(open(f))
    if d.get('kind') != 'CustomResourceDefinition' or '.aws.' not in d['spec']['group']:
        continue
    served = sorted([v['name'] for v in d['spec']['versions'] if v.get('served')], key=key)
    storage = [v['name'] for v in d['spec']['versions'] if v.get('storage')][0]
    v = [x for x in d['spec']['versions'] if x['name'] == served[-1]][0]
    fp = v['schema']['openAPIV3Schema']['properties'].get('spec', {}).get('properties', {}).get('forProvider', {}).get('properties', {})
    out[f"{d['spec']['group']}/{d['spec']['names']['kind']}"] = {
        'version': served[-1], 'served': served, 'storage': storage,
        'tags': 'tags' in fp, 'region': 'region' in fp,
    }
print(json.dumps(out, indent=1, sort_keys=True))
