/**
 * Turns Kubernetes objects into Helm template text. Objects carry sentinels where the chart's values apply:
 * `value()` stands for a scalar (`{{ expr }}`), `block()` is a map key replaced by template lines at its
 * indentation (for optional keys and whole maps from values). YAML is dumped first, sentinels replaced after,
 * so the structure is always written by the YAML library and never by string concatenation.
 */
import yaml from 'js-yaml';
import type { JsonObject } from '../../core/json.js';

export type BlockRenderer = (indent: number) => string;

const SCALAR = /"@@helm:(\d+)@@"|@@helm:(\d+)@@/g;
const BLOCK = /^( *)"?@@helmblock:(\d+)@@"?: null$/gm;

export class HelmTemplate {
  private readonly scalars: string[] = [];
  private readonly blocks: BlockRenderer[] = [];

  /** A scalar placeholder: the template expression (without braces) is written where the string stands. */
  value(expr: string): string {
    this.scalars.push(expr);
    return `@@helm:${this.scalars.length - 1}@@`;
  }

  /** A map key whose line becomes the renderer's output, indented to the key's column. */
  block(render: BlockRenderer): string {
    this.blocks.push(render);
    return `@@helmblock:${this.blocks.length - 1}@@`;
  }

  /** `key:` plus `toYaml` of a values path (or an include) when it is not empty. */
  withYaml(key: string, source: string): string {
    return this.block(
      (n) =>
        `${' '.repeat(n)}{{- with ${source} }}\n${' '.repeat(n)}${key}:\n` +
        `${' '.repeat(n)}  {{- toYaml . | nindent ${n + 2} }}\n${' '.repeat(n)}{{- end }}`,
    );
  }

  /** Lines of a named template (which prints whole keys) at the key's indentation. */
  include(name: string, arg = '.'): string {
    return this.block((n) => `${' '.repeat(n)}{{- include ${JSON.stringify(name)} ${arg} | nindent ${n} }}`);
  }

  /** YAML documents with the sentinels replaced; literal `{{` in the objects is escaped for Helm. */
  render(objects: readonly JsonObject[]): string {
    const text = objects
      .map((o) => yaml.dump(o, { noRefs: true, lineWidth: -1, quotingType: '"', sortKeys: false }))
      .join('---\n')
      .replace(/\{\{/g, '{{ "{{" }}');
    const withBlocks = text.replace(BLOCK, (_m, indent: string, i: string) =>
      this.blocks[Number(i)](indent.length),
    );
    return withBlocks.replace(SCALAR, (_m, quoted: string | undefined, bare: string | undefined) => {
      const expr = this.scalars[Number(quoted ?? bare)];
      return `{{ ${expr} }}`;
    });
  }
}

/** Wraps template text in `{{- if cond }}` ... `{{- end }}`. */
export function when(condition: string, body: string): string {
  return `{{- if ${condition} }}\n${body.replace(/\n$/, '')}\n{{- end }}\n`;
}
