/**
 * The app instances' user data: nginx on port 80 in front of the app, and the CloudWatch agent
 * shipping nginx and app logs to the app log group. The script is a template whose values (region,
 * names, port, health check path) are filled in at render time by one Combine, then base64-encoded.
 */
import { asString, combine, fromXr, toBase64, type Patch } from '../patches.js';
import { ENV_REGION } from '../policy.js';
import { ENV_PREFIX } from '../naming.js';

export const ENV_APP_PORT = 'envstack.appPort';
export const ENV_HEALTH_CHECK_PATH = 'envstack.healthCheckPath';

/**
 * Environment patches the composition must run (in `environment.patches`) for the user data:
 * a Combine cannot convert its variables, and the port is a float64 in P&T, so it enters the
 * environment as a string first.
 */
export function userDataEnvironmentPatches(): Patch[] {
  return [
    fromXr('spec.compute.appPort', ENV_APP_PORT, [asString]),
    fromXr('spec.compute.healthCheckPath', ENV_HEALTH_CHECK_PATH),
  ];
}

/** Placeholders in the script, in the order the Combine fills them. */
const placeholders = {
  region: ENV_REGION,
  prefix: ENV_PREFIX,
  appPort: ENV_APP_PORT,
  healthCheckPath: ENV_HEALTH_CHECK_PATH,
} as const;
export type Placeholder = keyof typeof placeholders;

export const APP_LOG_GROUP_PREFIX = '/envstack/';
export const appLogGroupName = (prefix: string) => `${APP_LOG_GROUP_PREFIX}${prefix}-app`;
export const appMetricNamespace = (prefix: string) => `EnvStack/${prefix}`;

export const appUserDataScript = `#!/bin/bash
set -euxo pipefail
dnf install -y nginx amazon-cloudwatch-agent

cat > /etc/nginx/conf.d/app.conf <<'NGINX'
server {
    listen 80 default_server;
    location = {{healthCheckPath}} {
        access_log off;
        default_type text/plain;
        return 200 'ok';
    }
    location / {
        proxy_pass http://127.0.0.1:{{appPort}};
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;
        proxy_read_timeout 60s;
    }
}
NGINX
mkdir -p /var/log/app

cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<'AGENT'
{
  "agent": { "region": "{{region}}", "run_as_user": "root" },
  "logs": {
    "logs_collected": {
      "files": {
        "collect_list": [
          { "file_path": "/var/log/nginx/access.log", "log_group_name": "${appLogGroupName('{{prefix}}')}", "log_stream_name": "{instance_id}/nginx-access" },
          { "file_path": "/var/log/nginx/error.log", "log_group_name": "${appLogGroupName('{{prefix}}')}", "log_stream_name": "{instance_id}/nginx-error" },
          { "file_path": "/var/log/app/*.log", "log_group_name": "${appLogGroupName('{{prefix}}')}", "log_stream_name": "{instance_id}/app" }
        ]
      }
    }
  },
  "metrics": {
    "namespace": "${appMetricNamespace('{{prefix}}')}",
    "append_dimensions": { "InstanceId": "\${aws:InstanceId}" },
    "metrics_collected": {
      "mem": { "measurement": ["mem_used_percent"] },
      "disk": { "measurement": ["used_percent"], "resources": ["/"] }
    }
  }
}
AGENT

/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \\
  -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json
systemctl enable --now nginx
`;

/** A `{{placeholder}}` template → one Combine from the environment writing base64 to `to`. */
export function userDataPatch(template: string, to: string): Patch {
  const used: string[] = [];
  const fmt = template.replace(/%/g, '%%').replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    if (!(name in placeholders)) throw new Error(`unknown user data placeholder {{${name}}}`);
    used.push(placeholders[name as Placeholder]);
    return '%s';
  });
  return combine('CombineFromEnvironment', used, fmt, to, [toBase64]);
}
