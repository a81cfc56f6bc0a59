import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports';
import { repoRoot } from './server';

export interface NginxProcess {
  url: string;
  child: ChildProcess;
  /** The access log, one line per request in deploy/nginx's `chunfeng_cache` format. */
  accessLog: string;
  /** Stops nginx (and its workers) and removes its directory. */
  stop(): Promise<void>;
}

/** One parsed access-log line: the path, the status, what the cache did and the time taken. */
export interface AccessEntry {
  time: number;
  path: string;
  status: number;
  cache: string;
  seconds: number;
}

/**
 * deploy/nginx/chunfeng.conf with its CHANGE values pointed at a test: the node's address, a free
 * port, a cache and a log under `dir`.
 */
export function deployedConf({ upstream, port, dir }: { upstream: string; port: number; dir: string }): string {
  const conf = fs.readFileSync(path.join(repoRoot, 'deploy/nginx/chunfeng.conf'), 'utf8');
  const replaced = conf
    .replace(/proxy_cache_path \/var\/lib\/nginx\/chunfeng /, `proxy_cache_path ${dir}/cache `)
    .replace(/server 127\.0\.0\.1:3000;/, `server ${upstream};`)
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`)
    .replace(/access_log \/var\/log\/nginx\/chunfeng\.access\.log /, `access_log ${dir}/access.log `);
  for (const needle of [`${dir}/cache`, upstream, `127.0.0.1:${port}`, `${dir}/access.log`]) {
    if (!replaced.includes(needle)) throw new Error(`deploy/nginx/chunfeng.conf changed: could not set ${needle}`);
  }
  return replaced;
}

/**
 * Runs Debian's nginx as a child process (not the system service): its own prefix, pid file,
 * temporary directories and logs under a fresh directory, `daemon off`, on a free port. `site` is
 * the http-level configuration, by default deploy/nginx/chunfeng.conf in front of `upstream`.
 */
export async function startNginx({ upstream, site, workers = 1 }: { upstream?: string; site?: (o: { port: number; dir: string }) => string; workers?: number }): Promise<NginxProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-nginx-'));
  // Started as root, nginx's workers run as an unprivileged user that must reach its cache and temp dirs.
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const siteConf = site ? site({ port, dir }) : deployedConf({ upstream: upstream ?? '', port, dir });
  fs.writeFileSync(path.join(dir, 'site.conf'), siteConf);
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off;
worker_processes ${workers};
worker_rlimit_nofile 16384;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; text/vtt vtt; text/html html; application/json json; }
  default_type application/octet-stream;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 100000;
  include ${dir}/site.conf;
}
`,
  );
  const child = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([
    waitForPort(port),
    exited.then(() => {
      throw new Error(`nginx exited at start: ${stderr}${fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : ''}`);
    }),
  ]);
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    accessLog: path.join(dir, 'access.log'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(force);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The access log's lines so far, parsed (`chunfeng_cache` format). */
export function readAccessLog(file: string): AccessEntry[] {
  if (!fs.existsSync(file)) return [];
  const entries: AccessEntry[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^\S+ \[([^\]]+)\] "\S+ (\S+) [^"]*" (\d+) \d+ (\S+) ([\d.]+) /.exec(line);
    if (m) entries.push({ time: Date.parse(m[1]!), path: m[2]!, status: Number(m[3]), cache: m[4]!, seconds: Number(m[5]) });
  }
  return entries;
}

/** CPU seconds (user + system) a process and every live descendant have used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime: fields 14 and 15 of the line, 12 and 13 after the command name.
    ticks = Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
  let children: string[] = [];
  try {
    children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    // no children file: count the process alone
  }
  return ticks / 100 + children.reduce((sum, child) => sum + cpuSeconds(Number(child)), 0);
}

/**
 * A copy of this machine's Debian /etc/nginx (default site enabled, as installed) under `dir`, with
 * deploy/nginx/chunfeng.conf added to conf.d the way the README says. Only where nginx writes moves:
 * the pid file, the logs (/var/log/nginx) and the cache's parent (/var/lib/nginx) are re-rooted
 * under `dir`, so checking it touches nothing of the system's. With `listen`, both the default site
 * and chunfeng.conf listen on that local port instead of 80 and chunfeng.conf's upstream is set, so
 * the layout can be run. Returns the copied nginx.conf.
 */
export function debianLayoutWithDeployedConf(dir: string, listen?: { port: number; upstream: string }): string {
  const etc = path.join(dir, 'etc/nginx');
  fs.cpSync('/etc/nginx', etc, { recursive: true, dereference: true });
  for (const sub of ['var/log/nginx', 'var/lib/nginx', 'run']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  const reroot = (text: string) => text.replaceAll('/etc/nginx/', `${etc}/`).replaceAll('/var/log/nginx/', `${dir}/var/log/nginx/`).replaceAll('/var/lib/nginx/', `${dir}/var/lib/nginx/`).replace('/run/nginx.pid', `${dir}/run/nginx.pid`);
  const main = path.join(etc, 'nginx.conf');
  fs.writeFileSync(main, reroot(fs.readFileSync(main, 'utf8')));
  let conf = reroot(fs.readFileSync(path.join(repoRoot, 'deploy/nginx/chunfeng.conf'), 'utf8'));
  if (listen) {
    const site = path.join(etc, 'sites-enabled/default');
    const replaced = fs.readFileSync(site, 'utf8').replace(/\blisten 80 default_server;/, `listen 127.0.0.1:${listen.port} default_server;`).replace(/\blisten \[::\]:80 default_server;/, '');
    if (!replaced.includes(`127.0.0.1:${listen.port}`)) throw new Error("Debian's default site changed: could not move its listen");
    fs.writeFileSync(site, replaced);
    conf = conf.replace(/server 127\.0\.0\.1:3000;/, `server ${listen.upstream};`).replace(/listen 80;/, `listen 127.0.0.1:${listen.port};`);
    if (!conf.includes(listen.upstream) || !conf.includes(`127.0.0.1:${listen.port}`)) throw new Error('deploy/nginx/chunfeng.conf changed: could not set its listen and upstream');
  }
  fs.writeFileSync(path.join(etc, 'conf.d/chunfeng.conf'), conf);
  return main;
}
