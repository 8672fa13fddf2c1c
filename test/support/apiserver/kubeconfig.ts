import { KubeConfig } from '@kubernetes/client-node';

/** A kubeconfig document for a subprocess. client-node refuses plain http unless skipTLSVerify is true. */
export function kubeConfigYaml(server: { url: string }, namespace = 'default'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: fake',
    '    cluster:',
    `      server: ${server.url}`,
    '      insecure-skip-tls-verify: true',
    'users:',
    '  - name: fake',
    '    user:',
    '      token: fake-token',
    'contexts:',
    '  - name: fake',
    '    context:',
    '      cluster: fake',
    '      user: fake',
    `      namespace: ${namespace}`,
    'current-context: fake',
    '',
  ].join('\n');
}

export function kubeConfigFor(server: { url: string }, namespace = 'default'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeConfigYaml(server, namespace));
  return kc;
}
