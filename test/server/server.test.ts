import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { Console } from 'node:console';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../src/cli/main.js';
import {
  addressFile,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  FORWARDED_ENV,
  PROTOCOL,
  SERVED_COMMANDS,
  type ServeRequest,
  type ServeResponse,
} from '../../src/ops/server/protocol.js';
import { serve, stamp, type RunningServer } from '../../src/ops/server/server.js';
// @ts-expect-error plain JavaScript without declarations (bin/ runs without TypeScript tooling)
import * as nodeClient from '../../bin/server-client.js';

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

function send(port: number, bytes: Buffer): Promise<ServeResponse> {
  return new Promise((done, fail) => {
    const c = createConnection({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    c.on('connect', () => c.write(bytes));
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('error', fail);
    c.on('end', () => {
      const rsp = decodeResponse(Buffer.concat(chunks));
      if (rsp) done(rsp);
      else fail(new Error(`not a response: ${Buffer.concat(chunks).toString()}`));
    });
  });
}

const ask = (s: RunningServer, argv: string[], more: Partial<ServeRequest> = {}) =>
  send(s.port, encodeRequest({ token: s.token, cwd: repo, env: {}, argv, ...more }));

const quiet = () => {};

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
      addressFile: join(dir, 'run', 'x.addr'),
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
      const served = await ask(server, argv);
      expect({ argv, ...served }).toEqual({ argv, ...(await inProcess(argv)) });
    }
  });

  test('runs each request in the client’s working directory and reports its errors and exit codes', async () => {
    const work = mkdtempSync(join(tmpdir(), 'envstack-client-'));
    writeFileSync(join(work, 'bad.yaml'), 'apiVersion: [unclosed\n');
    expect(await ask(server, ['render', 'bad.yaml'], { cwd: work })).toEqual({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(/^envstack render: bad\.yaml:\d+: not valid YAML/),
    });
    expect(await ask(server, ['render', 'examples/dev.yaml'], { cwd: work })).toEqual({
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
    const withEmpty = await ask(server, argv, { env: { ENVSTACK_CRDS: empty } });
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
    const answers = await Promise.all(argvs.map((a) => ask(server, a)));
    for (const [i, argv] of argvs.entries()) expect(answers[i]).toEqual(await inProcess(argv));
  });

  test('refuses what it cannot answer, naming the problem', async () => {
    const fields = (...f: string[]) => Buffer.from(f.map((x) => `${x}\0`).join(''));
    const t = server.token;
    const cases: [Buffer, string][] = [
      [
        fields('envstack/0', t, repo, '0', '1', 'render'),
        'protocol "envstack/0" is not supported (want envstack/1)',
      ],
      [
        fields(PROTOCOL, 'f'.repeat(64), repo, '0', '1', 'render'),
        `wrong token: read it from ${server.addressFile}`,
      ],
      [fields(PROTOCOL, t, repo, '0', '1', 'synth'), '"synth" is not served; run it in-process'],
      [
        fields(PROTOCOL, t, repo, '0', '3', 'lint', '--rendered', '-'),
        '"lint --rendered -" is not served; run it in-process',
      ],
      [fields(PROTOCOL, t, repo, 'x', '1', 'render'), 'variable count "x" is not a number'],
      [
        fields(PROTOCOL, t, repo, '1', 'PATH=/evil', '1', 'render'),
        'variable "PATH=/evil" is not one the CLI reads',
      ],
      [fields(PROTOCOL, t, repo, '0', '1', 'render', 'extra'), 'request has bytes after its last argument'],
      [Buffer.alloc((1 << 20) + 10, 'a'), `request is longer than ${1 << 20} bytes`],
    ];
    for (const [bytes, message] of cases)
      expect(await send(server.port, bytes)).toEqual({ refused: message });
  });

  test('answers stale and stops once its code changed, removing its address file', async () => {
    writeFileSync(watchedFile, '// edited');
    expect(await ask(server, ['validate', 'examples/dev.yaml'])).toEqual({ stale: true });
    await server.closed;
    expect(existsSync(server.addressFile)).toBe(false);
    expect(logs.join('\n')).toContain('code or Compositions changed');
  });

  test('announces itself privately and refuses to start beside a live server', async () => {
    expect(readFileSync(server.addressFile, 'utf8')).toBe(`${server.port} ${server.token}\n`);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(server.addressFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
    await expect(
      serve({ addressFile: server.addressFile, run: main, watched: [], log: quiet }),
    ).rejects.toThrow(/already running on port/);
  });
});

test('a folder open to others is closed before the address is written in it; a dead server’s file is replaced', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'envstack-open-'));
  const run = join(dir, 'run');
  mkdirSync(run);
  chmodSync(run, 0o777);
  writeFileSync(join(run, 'x.addr'), '1 deadbeef\n');
  const s = await serve({ addressFile: join(run, 'x.addr'), run: main, watched: [], log: quiet });
  try {
    expect(statSync(run).mode & 0o777).toBe(0o700);
    expect(readFileSync(s.addressFile, 'utf8')).toBe(`${s.port} ${s.token}\n`);
  } finally {
    await s.close();
  }
});

test('a command that throws gets exit code 70 and its message, and the next request is served', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'envstack-throw-'));
  const s = await serve({
    addressFile: join(dir, 'x.addr'),
    run: async (argv) => {
      if (argv[1] === 'boom') throw new Error('boom');
      return main(argv);
    },
    watched: [],
    log: quiet,
  });
  try {
    expect(await ask(s, ['render', 'boom'])).toEqual({
      code: 70,
      stdout: '',
      stderr: 'envstack: internal error: boom\n',
    });
    const argv = ['validate', 'examples/dev.yaml'];
    expect(await ask(s, argv)).toEqual(await inProcess(argv));
  } finally {
    await s.close();
  }
});

test('a client that hangs up before its answer does not stop the server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'envstack-hangup-'));
  const s = await serve({ addressFile: join(dir, 'x.addr'), run: main, watched: [], log: quiet });
  try {
    await new Promise<void>((done) => {
      const c = createConnection({ host: '127.0.0.1', port: s.port });
      c.on('connect', () => {
        c.write(
          encodeRequest({ token: s.token, cwd: repo, env: {}, argv: ['render', 'examples/prod.yaml'] }),
        );
        c.destroy();
        done();
      });
    });
    const argv = ['validate', 'examples/dev.yaml'];
    expect(await ask(s, argv)).toEqual(await inProcess(argv));
  } finally {
    await s.close();
  }
});

test('a warm-up command that fails stops the server from starting, with its message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'envstack-warm-'));
  await expect(
    serve({
      addressFile: join(dir, 'x.addr'),
      run: main,
      watched: [],
      log: quiet,
      warmUp: [{ argv: ['render', 'no-such-claim.yaml'], rounds: 1 }],
    }),
  ).rejects.toThrow(
    'warm-up "envstack render no-such-claim.yaml" failed: envstack render: no-such-claim.yaml: no such file',
  );
  expect(existsSync(join(dir, 'x.addr'))).toBe(false);
});

test.each([
  ['a file is edited', (d: string) => writeFileSync(join(d, 'src', 'deep', 'x.js'), '2')],
  ['a file is added', (d: string) => writeFileSync(join(d, 'src', 'y.js'), '')],
  [
    'a file is replaced by a rename',
    (d: string) => {
      writeFileSync(join(d, 'tmp.js'), 'new');
      renameSync(join(d, 'tmp.js'), join(d, 'src', 'deep', 'x.js'));
    },
  ],
  ['a file is removed', (d: string) => rmSync(join(d, 'src', 'deep', 'x.js'))],
  ['a watched single file is edited', (d: string) => writeFileSync(join(d, 'package.json'), '{}')],
])('goes stale when %s under what it watches', async (_what, change) => {
  for (const watch of [true, false]) await staleAfter(change, watch);
});

async function staleAfter(change: (dir: string) => void, watch: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'envstack-watch-'));
  mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
  writeFileSync(join(dir, 'src', 'deep', 'x.js'), '1');
  writeFileSync(join(dir, 'package.json'), '{"name":"x"}');
  const s = await serve({
    addressFile: join(dir, 'x.addr'),
    run: main,
    watched: [join(dir, 'src'), join(dir, 'package.json')],
    watch,
    log: quiet,
  });
  const argv = ['validate', 'examples/dev.yaml'];
  expect(await ask(s, argv)).toEqual(await inProcess(argv));
  // modification times are compared, and a same-millisecond edit is what a clock cannot see
  if (!watch) await new Promise((r) => setTimeout(r, 20));
  change(dir);
  expect(await ask(s, argv)).toEqual({ stale: true });
  await s.closed;
}

test('requests and responses round-trip, whatever the bytes; incomplete ones wait, broken ones are not answers', () => {
  const req: ServeRequest = {
    token: 'abc',
    cwd: '/ü/with space',
    env: { ENVSTACK_CRDS: '/a=b' },
    argv: ['render', 'x y.yaml', '', 'ü\n'],
  };
  const bytes = encodeRequest(req);
  expect(decodeRequest(bytes)).toEqual(req);
  for (let cut = 0; cut < bytes.length; cut++) expect(decodeRequest(bytes.subarray(0, cut))).toBeUndefined();

  const big = 'ü'.repeat(300_000) + '\n';
  for (const rsp of [
    { code: 0, stdout: big, stderr: '' },
    { code: 1, stdout: '', stderr: 'x: y: z\n' },
    { code: 70, stdout: '---\n{}\n', stderr: 'ü\n' },
    { stale: true } as const,
    { refused: 'wrong "token"\n' },
  ])
    expect(decodeResponse(encodeResponse(rsp))).toEqual(rsp);
  const whole = encodeResponse({ code: 0, stdout: '', stderr: 'abcd' });
  expect(decodeResponse(whole.subarray(0, whole.length - 1))).toBeUndefined();
  expect(decodeResponse(Buffer.from('garbage'))).toBeUndefined();
  expect(decodeResponse(Buffer.from('{"code":"0","stderr":0}\n'))).toBeUndefined();
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

describe('the clients agree with the server', () => {
  test('bin/server-client.js on the address file, for every way of choosing it', () => {
    const envs: NodeJS.ProcessEnv[] = [
      {},
      { XDG_RUNTIME_DIR: '/run/user/1000' },
      { TMPDIR: '/var/tmp/' },
      { ENVSTACK_SERVE_FILE: '/somewhere/else.addr' },
    ];
    for (const root of ['/work/main', '/usr/lib/node_modules/envstack', '/ü/with space'])
      for (const env of envs) {
        const saved = process.env.TMPDIR;
        if (env.TMPDIR) process.env.TMPDIR = env.TMPDIR;
        try {
          expect(
            (nodeClient as { addressFile: (r: string, e: object) => string }).addressFile(root, env),
          ).toBe(addressFile(root, env));
        } finally {
          if (saved === undefined) delete process.env.TMPDIR;
          else process.env.TMPDIR = saved;
        }
      }
  });

  test('both clients on the protocol, the served commands and the forwarded variables', () => {
    const js = readFileSync('bin/server-client.js', 'utf8');
    const sh = readFileSync('bin/envstack', 'utf8');
    const quoted = (xs: Iterable<string>) => [...xs].map((x) => `'${x}'`).join(', ');
    expect(js).toContain(`PROTOCOL = '${PROTOCOL}'`);
    expect(js).toContain(`new Set([${quoted(SERVED_COMMANDS)}])`);
    expect(js).toContain(`FORWARDED_ENV = [${quoted(FORWARDED_ENV)}]`);
    expect(sh).toContain(`printf '%s\\0' ${PROTOCOL} "$token"`);
    expect(sh).toContain(`case $1 in ${[...SERVED_COMMANDS].join(' | ')}) ;;`);
    for (const name of FORWARDED_ENV) expect(sh).toContain(`forwarded+=("${name}=$${name}")`);
  });
});

describe('the envstack command', () => {
  const home = mkdtempSync(join(tmpdir(), 'envstack-home-'));
  const command = (bin: string, argv: string[], env: NodeJS.ProcessEnv) =>
    execFileAsync(bin, argv, {
      env: { ...process.env, ENVSTACK_SERVE_FILE: '', XDG_RUNTIME_DIR: home, ...env },
      maxBuffer: 64 * 1024 * 1024,
    }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    );
  const bash = (argv: string[], env: NodeJS.ProcessEnv = {}) => command('bin/envstack', argv, env);
  const node = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
    command(process.execPath, ['bin/envstack.js', ...argv], env);

  let server: RunningServer;
  let calls: string[][] = [];
  beforeAll(async () => {
    // the address file the clients work out for this checkout, under a private XDG_RUNTIME_DIR
    server = await serve({
      addressFile: addressFile(repo, { XDG_RUNTIME_DIR: home }),
      run: (argv) => {
        calls.push(argv);
        return main(argv);
      },
      watched: [],
      log: quiet,
    });
  });
  afterAll(() => server.close());
  beforeEach(() => (calls = []));

  test('bash and Node clients print the server’s answer, the same as the CLI alone', async () => {
    for (const argv of [
      ['render', 'examples/prod-dr.yaml'],
      ['validate', 'examples/dev.yaml', '--flavor', 'nope'],
      ['render', 'examples/dev.yaml', '--observed', 'no such dir'],
    ]) {
      const alone = await node(argv, { ENVSTACK_NO_SERVER: '1' });
      expect(calls).toEqual([]);
      expect(await bash(argv)).toEqual(alone);
      expect(await node(argv)).toEqual(alone);
      expect(calls).toEqual([argv, argv]);
      calls = [];
    }
  }, 180_000);

  test('the bash client finds the server through a symlink to it (as npm installs it) and from another folder', async () => {
    const link = join(home, 'envstack');
    symlinkSync(resolve('bin/envstack'), link);
    const r = await execFileAsync(link, ['validate', resolve('examples/dev.yaml')], {
      cwd: home,
      env: { ...process.env, ENVSTACK_SERVE_FILE: '', XDG_RUNTIME_DIR: home },
    });
    expect(r.stderr).toBe(`${resolve('examples/dev.yaml')}: valid\n`);
    expect(calls).toEqual([['validate', resolve('examples/dev.yaml')]]);
  });

  test('what the server does not answer runs in Node, and ENVSTACK_NO_SERVER bypasses it', async () => {
    const help = await bash(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('envstack serve');
    // `-` means stdin, which only the command's own process can read
    expect(await bash(['render', '-'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'envstack render: -: no such file\n',
    });
    expect((await bash(['validate', 'examples/dev.yaml'], { ENVSTACK_NO_SERVER: '1' })).code).toBe(0);
    expect(calls).toEqual([]);
  }, 120_000);

  test('an address file with a wrong token or a dead port is passed over', async () => {
    const fake = join(home, 'fake.addr');
    writeFileSync(fake, `${server.port} ${'0'.repeat(64)}\n`, { mode: 0o600 });
    const wrong = await bash(['validate', 'examples/dev.yaml'], { ENVSTACK_SERVE_FILE: fake });
    expect(wrong).toEqual({ code: 0, stdout: '', stderr: 'examples/dev.yaml: valid\n' });
    writeFileSync(fake, '1 abc\n', { mode: 0o600 });
    expect(await bash(['validate', 'examples/dev.yaml'], { ENVSTACK_SERVE_FILE: fake })).toEqual(wrong);
    expect(await node(['validate', 'examples/dev.yaml'], { ENVSTACK_SERVE_FILE: fake })).toEqual(wrong);
    expect(calls).toEqual([]);
  }, 120_000);

  test('a stale server sends both clients to Node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'envstack-stale-'));
    const code = join(dir, 'code.js');
    writeFileSync(code, '');
    for (const client of [bash, node]) {
      const file = join(dir, 'x.addr');
      const s = await serve({ addressFile: file, run: main, watched: [code], log: quiet });
      writeFileSync(code, `// edited for ${client === bash ? 'bash' : 'node'}`);
      expect(await client(['validate', 'examples/dev.yaml'], { ENVSTACK_SERVE_FILE: file })).toEqual({
        code: 0,
        stdout: '',
        stderr: 'examples/dev.yaml: valid\n',
      });
      await s.closed;
    }
  }, 120_000);
});
