import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { Console } from 'node:console';
import { chmodSync, mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../src/cli/main.js';
import { socketPath as serverSocketPath, SERVED_COMMANDS, FORWARDED_ENV } from '../../src/server/protocol.js';
import { serve, stamp, type RunningServer } from '../../src/server/server.js';
// @ts-expect-error plain JavaScript without declarations (bin/ runs without TypeScript tooling)
import * as client from '../../bin/server-client.js';

const execFileAsync = promisify(execFile);
const repo = resolve('.');

/** What `envstack ARGV` prints when the CLI runs in this process. */
async function inProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const put = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(String(chunk));
    return true;
  };
  const o = jest.spyOn(process.stdout, 'write').mockImplementation(put(out));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation(put(err));
  const saved = globalThis.console;
  globalThis.console = new Console({ stdout: process.stdout, stderr: process.stderr });
  try {
    const code = await main(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    globalThis.console = saved;
    o.mockRestore();
    e.mockRestore();
  }
}

function ask(socket: string, line: string): Promise<Record<string, unknown>> {
  return new Promise((done, fail) => {
    const c = createConnection(socket);
    let text = '';
    c.setEncoding('utf8');
    c.on('connect', () => c.write(line));
    c.on('data', (d: string) => (text += d));
    c.on('error', fail);
    c.on('end', () => done(JSON.parse(text) as Record<string, unknown>));
  });
}

const request = (argv: string[], cwd = repo, env: Record<string, string> = {}) =>
  `${JSON.stringify({ v: 1, argv, cwd, env })}\n`;

describe('render server', () => {
  let dir: string;
  let watchedFile: string;
  let server: RunningServer;
  const logs: string[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'envstack-serve-'));
    watchedFile = join(dir, 'code.js');
    writeFileSync(watchedFile, '// code');
    server = await serve({
      socket: join(dir, 'run', 's.sock'),
      run: main,
      watched: [watchedFile],
      log: (l) => logs.push(l),
    });
  });
  afterEach(async () => {
    await server.close();
  });

  test('answers render, validate, lint and graph exactly as the in-process CLI does', async () => {
    for (const argv of [
      ['render', 'examples/prod-dr.yaml'],
      ['render', 'examples/dev.yaml', '--flavor', 'namespaced', '-r'],
      ['render', 'examples/dev.yaml', '--converge', '--summary'],
      ['validate', 'examples/staging.yaml'],
      ['lint', 'examples/dev.yaml'],
      ['graph', 'examples/minimal.yaml'],
    ]) {
      const served = await ask(server.socket, request(argv));
      expect({ argv, ...served }).toEqual({ argv, ...(await inProcess(argv)) });
    }
  });

  test('runs each request in the client’s working directory and reports its errors and exit codes', async () => {
    const work = mkdtempSync(join(tmpdir(), 'envstack-client-'));
    writeFileSync(join(work, 'bad.yaml'), 'apiVersion: [unclosed\n');
    const bad = await ask(server.socket, request(['render', 'bad.yaml'], work));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^envstack render: bad\.yaml:\d+: not valid YAML/);
    expect(bad.stdout).toBe('');
    const missing = await ask(server.socket, request(['render', 'examples/dev.yaml'], work));
    expect(missing).toEqual({
      code: 2,
      stdout: '',
      stderr: 'envstack render: examples/dev.yaml: no such file\n',
    });
    expect(process.cwd()).toBe(repo);
  });

  test('forwards ENVSTACK_CRDS per request and restores the server’s own value', async () => {
    const before = process.env.ENVSTACK_CRDS;
    const empty = mkdtempSync(join(tmpdir(), 'envstack-crds-'));
    const argv = ['validate', 'examples/dev.yaml'];
    const withEmpty = await ask(server.socket, request(argv, repo, { ENVSTACK_CRDS: empty }));
    expect(withEmpty).not.toEqual(await inProcess(argv));
    process.env.ENVSTACK_CRDS = empty;
    try {
      expect(withEmpty).toEqual(await inProcess(argv));
    } finally {
      if (before === undefined) delete process.env.ENVSTACK_CRDS;
      else process.env.ENVSTACK_CRDS = before;
    }
    expect(process.env.ENVSTACK_CRDS).toBe(before);
  });

  test('serves concurrent requests one at a time, each with its own output', async () => {
    const argvs = [
      ['render', 'examples/dev.yaml'],
      ['render', 'examples/prod.yaml'],
      ['validate', 'examples/dev.yaml'],
    ];
    const answers = await Promise.all(argvs.map((a) => ask(server.socket, request(a))));
    for (const [i, argv] of argvs.entries()) expect(answers[i]).toEqual(await inProcess(argv));
  });

  test('refuses what it cannot answer, naming the problem', async () => {
    const cases: [string, string][] = [
      ['not json\n', 'request is not JSON'],
      ['{"v":2,"argv":["render"],"cwd":"/","env":{}}\n', 'request version 2 is not supported (want 1)'],
      [request(['synth']), '"synth" is not served; run it in-process'],
      [request(['lint', '--rendered', '-']), '"lint --rendered -" is not served; run it in-process'],
      ['{"v":1,"argv":"render","cwd":"/","env":{}}\n', 'request.argv must be a list of strings'],
    ];
    for (const [line, message] of cases) {
      expect(await ask(server.socket, line)).toEqual({
        code: 2,
        stdout: '',
        stderr: `envstack serve: ${message}\n`,
      });
    }
  });

  test('answers stale and stops once its code changed, removing its socket', async () => {
    const later = new Date(Date.now() + 5000);
    utimesSync(watchedFile, later, later);
    expect(await ask(server.socket, request(['validate', 'examples/dev.yaml']))).toEqual({ stale: true });
    await server.closed;
    expect(existsSync(server.socket)).toBe(false);
    expect(logs.join('\n')).toContain('code or Compositions changed');
  });

  test('keeps its socket private and refuses to start beside a live server', async () => {
    expect(statSync(server.socket).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
    await expect(serve({ socket: server.socket, run: main, watched: [] })).rejects.toThrow(
      /already listening/,
    );
  });
});

test('a folder open to others is closed before the socket is made in it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'envstack-open-'));
  const run = join(dir, 'run');
  mkdirSync(run);
  chmodSync(run, 0o777);
  const s = await serve({ socket: join(run, 's.sock'), run: main, watched: [], log: () => {} });
  try {
    expect(statSync(run).mode & 0o777).toBe(0o700);
  } finally {
    await s.close();
  }
});

test('stamp changes when a file under a watched folder is added or modified', () => {
  const dir = mkdtempSync(join(tmpdir(), 'envstack-stamp-'));
  mkdirSync(join(dir, 'a'));
  writeFileSync(join(dir, 'a', 'x.js'), '1');
  const first = stamp([dir]);
  expect(stamp([dir])).toBe(first);
  writeFileSync(join(dir, 'a', 'y.js'), '2');
  const second = stamp([dir]);
  expect(second).not.toBe(first);
  const later = new Date(Date.now() + 5000);
  utimesSync(join(dir, 'a', 'x.js'), later, later);
  expect(stamp([dir])).not.toBe(second);
});

describe('the client (bin/server-client.js) agrees with the server', () => {
  test('on the socket path, for every way of choosing it', () => {
    const envs: NodeJS.ProcessEnv[] = [
      {},
      { XDG_RUNTIME_DIR: '/run/user/1000' },
      { ENVSTACK_SOCKET: '/somewhere/else.sock' },
    ];
    for (const root of ['/work/main', '/usr/lib/node_modules/envstack', '/ü/with space'])
      for (const env of envs)
        expect((client as { socketPath: (r: string, e: object) => string }).socketPath(root, env)).toBe(
          serverSocketPath(root, env),
        );
  });

  test('on which commands are served and which variables are forwarded', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync('bin/server-client.js', 'utf8');
    expect(text).toContain(
      `new Set(${JSON.stringify([...SERVED_COMMANDS])
        .replaceAll('"', "'")
        .replaceAll(',', ', ')})`,
    );
    expect(text).toContain(`FORWARDED_ENV = ${JSON.stringify([...FORWARDED_ENV]).replaceAll('"', "'")}`);
  });
});

describe('bin/envstack.js', () => {
  const cli = (argv: string[], env: NodeJS.ProcessEnv) =>
    execFileAsync(process.execPath, ['bin/envstack.js', ...argv], {
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    );

  test('prints the server’s answer when one is running, and the same without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'envstack-bin-'));
    const socket = join(dir, 's.sock');
    let calls = 0;
    const s = await serve({
      socket,
      run: (argv) => {
        calls++;
        return main(argv);
      },
      watched: [],
      log: () => {},
    });
    try {
      for (const argv of [
        ['render', 'examples/dev.yaml'],
        ['validate', 'examples/dev.yaml', '--flavor', 'nope'],
      ]) {
        const served = await cli(argv, { ENVSTACK_SOCKET: socket });
        const alone = await cli(argv, { ENVSTACK_SOCKET: join(dir, 'none.sock') });
        expect(served).toEqual(alone);
      }
      expect(calls).toBe(2);
      const bypass = await cli(['validate', 'examples/dev.yaml'], {
        ENVSTACK_SOCKET: socket,
        ENVSTACK_NO_SERVER: '1',
      });
      expect(bypass.code).toBe(0);
      expect(calls).toBe(2);
    } finally {
      await s.close();
    }
  }, 120_000);

  test('runs in-process when the server has gone stale', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'envstack-stale-'));
    const code = join(dir, 'code.js');
    writeFileSync(code, '');
    const s = await serve({ socket: join(dir, 's.sock'), run: main, watched: [code], log: () => {} });
    const later = new Date(Date.now() + 5000);
    utimesSync(code, later, later);
    const r = await cli(['validate', 'examples/dev.yaml'], { ENVSTACK_SOCKET: s.socket });
    expect(r).toEqual({ code: 0, stdout: '', stderr: expect.stringContaining('examples/dev.yaml: valid') });
    await s.closed;
  }, 120_000);
});
