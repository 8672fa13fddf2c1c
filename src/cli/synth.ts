import { PACKAGE_ROOT } from '../core/paths.js';
import { defineCommand, parseCommandArgs } from './args.js';

export const synth = defineCommand({
  name: 'synth',
  summary: 'write xrds/ and compositions/ (both flavors) from src/',
  synopsis: ['envstack synth [--group GROUP] [--out DIR]'],
  details: `Synthesizes the XRDs and Compositions of both flavors, the Helm chart's generated templates
and the generated sections of README.md and docs/, and prints each file it wrote.

  --group GROUP   the API group of the XRDs (default platform.envstack.dev)
  --out DIR       write under DIR instead of the package's own folder`,
  examples: ['envstack synth --out /tmp/envstack-synth'],
  async run(args) {
    const { values } = parseCommandArgs(args, { group: { type: 'string' }, out: { type: 'string' } });
    const { synthesize, writeSynthesized } = await import('../platform/compose/app.js');
    const root = values.out ?? PACKAGE_ROOT;
    const files = writeSynthesized(root, await synthesize({ group: values.group }));
    const { synthChart } = await import('../platform/delivery/index.js');
    files.push(...synthChart(root));
    const { updateDocs } = await import('../platform/docs/generate.js');
    files.push(...(await updateDocs(root)));
    for (const f of files) console.log(`wrote ${f}`);
    return 0;
  },
});
