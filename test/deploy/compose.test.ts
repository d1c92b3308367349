/**
 * The production-shaped stack (docker-compose.yml, Dockerfile, .env.example), checked without
 * Docker: the rules a `docker compose up` would only reveal at run time, or never (a variable
 * missing from .env.example, a service nothing waits for, an image from an unknown registry).
 * `.ci/check-compose` runs this and, where it is installed, `docker-compose config`.
 *
 * Each rule is a function from the parsed files to a list of problems, so it is tested both
 * on the real files (no problems) and on broken copies (the problem it exists to catch).
 */

import t, { type Test } from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { packageRoot } from '../../broker/config/package-root.js';

const ROOT = packageRoot();
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

type Obj = Record<string, unknown>;
interface Compose {
  services: Record<string, Obj>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Public images the stack may use: Docker Hub official images and MinIO's own repositories, pinned. */
const PUBLIC_IMAGES = [
  /^rabbitmq:\d[\w.-]*$/,
  /^postgres:\d[\w.-]*$/,
  /^(quay\.io\/)?minio\/minio:RELEASE\.[\w-]+$/,
  /^(quay\.io\/)?minio\/mc:RELEASE\.[\w-]+$/,
];
/** The name a `build:` service tags its image with: local, never pulled from a registry. */
const LOCAL_IMAGE = /^[a-z0-9][a-z0-9._-]*:local$/;
/** Base images the Dockerfile may build from. */
const PUBLIC_BASE_IMAGES = [/^node:20-bookworm-slim$/];

function parseCompose(text: string): Compose {
  // merge: the meshd nodes share their settings through a `<<: *meshd` merge key, as compose does.
  const doc = YAML.parseDocument(text, { merge: true });
  if (doc.errors.length > 0) throw new Error(`docker-compose.yml: ${doc.errors[0]?.message}`);
  return doc.toJS() as Compose;
}

/** Variables `VAR=` defined in an env file, with whether a comment line stands right above each. */
function envFileVariables(text: string): Map<string, { commented: boolean }> {
  const vars = new Map<string, { commented: boolean }>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(line);
    if (m?.[1]) vars.set(m[1], { commented: /^\s*#/.test(lines[i - 1] ?? '') });
  });
  return vars;
}

/** Every string value in a parsed document (keys are not interpolated by compose). */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

/** The variables compose interpolates in a string: `${VAR}`, `${VAR:-x}`, `${VAR:?x}`, `$VAR`; `$$` is a literal `$`. */
function interpolatedVariables(s: string): string[] {
  const text = s.replaceAll('$$', '');
  return [...text.matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))/g)].map((m) => (m[1] ?? m[2]) as string);
}

function dependsOn(service: Obj): Record<string, string> {
  const d = service['depends_on'];
  if (Array.isArray(d)) return Object.fromEntries(d.map((name) => [String(name), 'service_started']));
  if (d && typeof d === 'object') {
    return Object.fromEntries(Object.entries(d as Record<string, Obj>).map(([name, v]) => [name, String(v?.['condition'] ?? 'service_started')]));
  }
  return {};
}

/** Services run once to completion: those some service waits for with service_completed_successfully. */
function oneShots(c: Compose): Set<string> {
  const names = new Set<string>();
  for (const s of Object.values(c.services)) {
    for (const [name, cond] of Object.entries(dependsOn(s))) if (cond === 'service_completed_successfully') names.add(name);
  }
  return names;
}

/** meshd nodes: the services built from this repository's Dockerfile. */
const meshdNodes = (c: Compose): string[] => Object.keys(c.services).filter((n) => c.services[n]?.['build'] !== undefined);

// ---- the rules ---------------------------------------------------------------------------

function checkVariables(c: Compose, envExample: string): string[] {
  const problems: string[] = [];
  const defined = envFileVariables(envExample);
  const used = new Set(strings(c).flatMap(interpolatedVariables));
  for (const v of used) if (!defined.has(v)) problems.push(`\${${v}} is used in docker-compose.yml but not in .env.example`);
  for (const [v, { commented }] of defined) {
    if (!used.has(v)) problems.push(`.env.example defines ${v}, which docker-compose.yml never uses`);
    if (!commented) problems.push(`.env.example: ${v} has no comment above it`);
  }
  return problems;
}

function checkServices(c: Compose): string[] {
  const problems: string[] = [];
  if ('version' in c) problems.push('obsolete top-level `version:` key (the compose specification has none)');
  const once = oneShots(c);
  for (const [name, s] of Object.entries(c.services)) {
    const image = s['image'];
    if (image === undefined && s['build'] === undefined) problems.push(`${name}: neither image nor build`);
    if (typeof image === 'string') {
      if (s['build'] !== undefined) {
        if (!LOCAL_IMAGE.test(image)) problems.push(`${name}: a built image should have a local name like mesh-broker:local, got ${image}`);
      } else if (!PUBLIC_IMAGES.some((re) => re.test(image))) {
        problems.push(`${name}: image ${image} is not a pinned image from the allowed public repositories`);
      }
    }
    const hc = s['healthcheck'] as Obj | undefined;
    if (once.has(name)) {
      if (s['restart'] !== undefined && s['restart'] !== 'no') problems.push(`${name}: a one-shot service must not restart`);
    } else if (!hc || hc['disable'] === true || !Array.isArray(hc['test']) || hc['test'].length < 2 || hc['test'][0] === 'NONE') {
      problems.push(`${name}: no healthcheck`);
    }
  }
  return problems;
}

function checkMeshd(c: Compose, meshdEnvNames: Set<string>): string[] {
  const problems: string[] = [];
  const nodes = meshdNodes(c);
  if (nodes.length === 0) problems.push('no meshd service (one with build:)');
  const once = oneShots(c);
  for (const name of nodes) {
    const s = c.services[name] as Obj;
    const deps = dependsOn(s);
    for (const other of Object.keys(c.services)) {
      if (nodes.includes(other)) continue;
      const want = once.has(other) ? 'service_completed_successfully' : 'service_healthy';
      if (deps[other] !== want) problems.push(`${name}: should depend on ${other} with condition ${want}, got ${deps[other] ?? 'nothing'}`);
    }
    const env = (s['environment'] ?? {}) as Record<string, unknown>;
    if (Array.isArray(env)) { problems.push(`${name}: write environment as a map`); continue; }
    for (const key of Object.keys(env)) {
      if (key.startsWith('MESH_') && !meshdEnvNames.has(key)) problems.push(`${name}: meshd reads no variable ${key}`);
    }
    for (const key of ['MESH_HOST', 'MESH_SHARED_KEY', 'MESH_DATABASE_URL', 'MESH_AMQP_URL', 'MESH_OBJECTS_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      if (!env[key]) problems.push(`${name}: ${key} is not set`);
    }
    if (strings(s['command']).some((a) => a.startsWith('--sandbox-admin'))) problems.push(`${name}: the sandbox admin API must stay off`);
    const test = ((s['healthcheck'] as Obj | undefined)?.['test'] ?? []) as unknown[];
    // Readiness, not liveness: service_healthy dependants must mean "can take traffic".
    if (!test.some((a) => String(a).includes('/readyz'))) problems.push(`${name}: the healthcheck should ask /readyz`);
    if (!strings(s['ports']).some((p) => /(^|:)8700$/.test(p))) problems.push(`${name}: container port 8700 is not published`);
  }
  return problems;
}

function checkVolumes(c: Compose): string[] {
  const problems: string[] = [];
  const declared = new Set(Object.keys(c.volumes ?? {}));
  const used = new Set<string>();
  for (const [name, s] of Object.entries(c.services)) {
    for (const v of strings(s['volumes'])) {
      const source = v.split(':')[0] ?? '';
      if (source.startsWith('.') || source.startsWith('/') || source.startsWith('~')) continue;
      used.add(source);
      if (!declared.has(source)) problems.push(`${name}: volume ${source} is not declared under volumes:`);
    }
  }
  for (const v of declared) if (!used.has(v)) problems.push(`volume ${v} is declared but no service mounts it`);
  for (const [name, s] of Object.entries(c.services)) {
    if (oneShots(c).has(name)) continue;
    if (strings(s['volumes']).length === 0) problems.push(`${name}: keeps its data in no volume`);
  }
  return problems;
}

/** The Dockerfile's stages, each as its FROM line's image and its instructions. */
function dockerStages(text: string): Array<{ from: string; lines: string[] }> {
  const logical = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages: Array<{ from: string; lines: string[] }> = [];
  for (const line of logical) {
    const from = /^FROM\s+(\S+)/i.exec(line);
    if (from?.[1]) stages.push({ from: from[1], lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

function checkDockerfile(text: string): string[] {
  const problems: string[] = [];
  const stages = dockerStages(text);
  const final = stages.at(-1);
  if (!final) return ['Dockerfile: no FROM'];
  if (stages.length < 2) problems.push('Dockerfile: not multi-stage (the runtime stage should not carry compilers)');
  const stageNames = new Set([...text.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]?.toLowerCase()));
  for (const s of stages) {
    if (!stageNames.has(s.from.toLowerCase()) && !PUBLIC_BASE_IMAGES.some((re) => re.test(s.from))) {
      problems.push(`Dockerfile: base image ${s.from} is not an allowed public image`);
    }
  }
  const instr = (name: string) => final.lines.filter((l) => new RegExp(`^${name}\\s`, 'i').test(l));
  const user = instr('USER').at(-1)?.split(/\s+/)[1];
  if (!user || user === 'root' || user.startsWith('0')) problems.push('Dockerfile: the final stage does not run as a non-root USER');
  const hc = instr('HEALTHCHECK').at(-1);
  if (!hc || /^HEALTHCHECK\s+NONE/i.test(hc)) problems.push('Dockerfile: the final stage has no HEALTHCHECK');
  else if (!hc.includes('/readyz')) problems.push('Dockerfile: the HEALTHCHECK should ask /readyz');
  if (!instr('EXPOSE').some((l) => /\b8700\b/.test(l))) problems.push('Dockerfile: EXPOSE 8700 missing');
  if (!instr('ENTRYPOINT').some((l) => l.includes('"dist/bin/meshd.js"'))) problems.push('Dockerfile: ENTRYPOINT should run dist/bin/meshd.js');
  // What meshd reads at run time: package.json (packageRoot), schemas/ (validation), conf/ (the CMD).
  for (const need of ['package.json', 'node_modules', 'dist', 'schemas', 'conf']) {
    if (!instr('COPY').some((l) => new RegExp(`/app/${need}\\b|\\s${need}/?\\s`).test(l))) problems.push(`Dockerfile: the final stage does not copy ${need}`);
  }
  return problems;
}

/** MESH_* variables meshd's configuration code reads. */
function meshdEnvironmentNames(): Set<string> {
  const names = new Set<string>();
  for (const dir of ['broker/config', 'mailbox/server']) {
    for (const f of readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.ts'))) {
      for (const m of read(join(dir, f)).matchAll(/\bMESH_[A-Z_]+\b/g)) names.add(m[0]);
    }
  }
  return names;
}

/** Exactly these problems, in this order, each matching its pattern. */
function expectProblems(t: Test, problems: string[], patterns: RegExp[], what = 'the expected problems'): void {
  t.equal(problems.length, patterns.length, `${what}: ${JSON.stringify(problems)}`);
  patterns.forEach((re, i) => t.match(problems[i] ?? '', re, `${what}: ${re}`));
}

// ---- the real files --------------------------------------------------------------------

const composeText = read('docker-compose.yml');
const envExample = read('.env.example');
const dockerfile = read('Dockerfile');
const compose = parseCompose(composeText);
const meshdEnv = meshdEnvironmentNames();
const copy = (): Compose => structuredClone(compose);

t.test('docker-compose.yml, .env.example and Dockerfile follow the rules', async (t) => {
  t.same(checkVariables(compose, envExample), [], 'every ${VAR} is in .env.example, with a comment, and none is unused');
  t.same(checkServices(compose), [], 'every service has a pinned public image or a build, and a healthcheck unless one-shot');
  t.same(checkMeshd(compose, meshdEnv), [], 'meshd waits for healthy dependencies and is configured through variables it reads');
  t.same(checkVolumes(compose), [], 'data lives in declared named volumes');
  t.same(checkDockerfile(dockerfile), [], 'the Dockerfile is multi-stage, non-root, with a healthcheck');
});

t.test('the stack has the services the design names', async (t) => {
  for (const name of ['meshd', 'rabbitmq', 'postgres', 'minio', 'minio-init']) t.ok(compose.services[name], name);
  t.ok(compose.services['meshd-2']?.['profiles'], 'a second meshd node, behind a profile');
  t.ok(oneShots(compose).has('minio-init'), 'minio-init is a one-shot that meshd waits for');
});

t.test('.env and its secrets stay out of git and out of the image', async (t) => {
  t.ok(read('.gitignore').split('\n').includes('.env'), '.gitignore lists .env');
  const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
  for (const p of ['.env', 'node_modules/', 'dist/', 'data/', '.git/']) t.ok(ignored.includes(p), `.dockerignore lists ${p}`);
});

t.test('interpolation: $$ is a literal dollar, defaults and required forms name their variable', async (t) => {
  t.same(interpolatedVariables('${A} $B ${C:-x} ${D:?set it in .env} $${E} $$F'), ['A', 'B', 'C', 'D']);
  t.same(interpolatedVariables('postgres://${U}:${P}@postgres:5432/${DB}'), ['U', 'P', 'DB']);
});

t.test('each rule catches what it exists for', async (t) => {
  let c = copy();
  c.services['meshd']!['environment'] = { ...(c.services['meshd']!['environment'] as Obj), EXTRA: '${NOT_IN_ENV_EXAMPLE}' };
  expectProblems(t, checkVariables(c, envExample), [/NOT_IN_ENV_EXAMPLE.*not in \.env\.example/], 'a variable missing from .env.example');
  expectProblems(t, checkVariables(compose, `${envExample}\n# stale\nUNUSED_THING=1\n`), [/UNUSED_THING, which docker-compose.yml never uses/]);
  expectProblems(t, checkVariables(compose, envExample.replace(/^# .*\n(?=POSTGRES_DB=)/m, '')), [/POSTGRES_DB has no comment/]);

  c = copy();
  delete c.services['postgres']!['healthcheck'];
  expectProblems(t, checkServices(c), [/^postgres: no healthcheck$/]);
  c = copy();
  c.services['rabbitmq']!['image'] = 'someone/rabbitmq:latest';
  expectProblems(t, checkServices(c), [/rabbitmq: image someone\/rabbitmq:latest is not/]);
  c = copy();
  c.services['minio']!['image'] = 'minio/minio:latest';
  expectProblems(t, checkServices(c), [/not a pinned image/], 'an unpinned tag');
  c = copy();
  c.services['minio-init']!['restart'] = 'unless-stopped';
  expectProblems(t, checkServices(c), [/minio-init: a one-shot service must not restart/]);
  expectProblems(t, checkServices({ ...copy(), version: '3.8' }), [/obsolete top-level `version:`/]);

  c = copy();
  (c.services['meshd']!['depends_on'] as Record<string, Obj>)['postgres'] = { condition: 'service_started' };
  expectProblems(t, checkMeshd(c, meshdEnv), [/meshd: should depend on postgres with condition service_healthy, got service_started/]);
  c = copy();
  delete (c.services['meshd']!['depends_on'] as Record<string, Obj>)['minio-init'];
  expectProblems(t, checkMeshd(c, meshdEnv), [/meshd: should depend on minio-init with condition service_completed_successfully/]);
  c = copy();
  c.services['meshd']!['environment'] = { ...(c.services['meshd']!['environment'] as Obj), MESH_OBJECT_URL: 'x' };
  expectProblems(t, checkMeshd(c, meshdEnv), [/meshd reads no variable MESH_OBJECT_URL/], 'a misspelt MESH_ variable');
  c = copy();
  c.services['meshd']!['command'] = ['--config', 'conf/meshd.yaml', '--sandbox-admin'];
  expectProblems(t, checkMeshd(c, meshdEnv), [/sandbox admin API must stay off/]);

  c = copy();
  c.services['postgres']!['volumes'] = ['pgdata:/var/lib/postgresql/data'];
  expectProblems(t, checkVolumes(c), [/postgres: volume pgdata is not declared/, /volume postgres-data is declared but no service mounts it/]);

  expectProblems(t, checkDockerfile(dockerfile.replace(/^USER node$/m, '')), [/non-root USER/]);
  expectProblems(t, checkDockerfile(dockerfile.replace(/^USER node$/m, 'USER root')), [/non-root USER/]);
  expectProblems(t, checkDockerfile(dockerfile.replace(/^HEALTHCHECK[^\n]*\\\n[^\n]*\n/m, '')), [/no HEALTHCHECK/]);
  expectProblems(t, checkDockerfile(dockerfile.replace(/^COPY --from=build \/app\/schemas\/ schemas\/$/m, '')), [/does not copy schemas/]);
  expectProblems(t, checkDockerfile(dockerfile.replaceAll('node:20-bookworm-slim', 'example.com/node:20')), [/base image example\.com\/node:20 is not/, /base image example\.com\/node:20 is not/]);
});
