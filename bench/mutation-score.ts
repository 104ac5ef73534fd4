/**
 * Mutation testing in chunks: one Stryker invocation per file or small group of files, each with
 * its own JSON report and incremental file under reports/mutation/chunks/, run in sequence at the
 * lowest CPU priority with one test runner. A chunk that is stopped loses only itself, and a rerun
 * is incremental (only mutants whose code or covering tests changed run again). Then the per-chunk
 * reports (mutation-testing-report-schema JSON) are added up into one score, per file and in all.
 *
 *   npm run bench -- mutation                        # every chunk, in priority order, then the score
 *   npx tsx bench/mutation-score.ts guards-runs      # named chunks only
 *   npx tsx bench/mutation-score.ts --aggregate      # no run: the score of the reports on disk
 *   npx tsx bench/mutation-score.ts --list           # the chunks, their files and tests
 *
 * Each chunk uses the vitest runner's related mode (the default): its dry run runs only the test
 * files that import one of its files, and `perTest` coverage then runs, for each mutant, only the
 * tests that reached it. That is what keeps a chunk's start short on a busy 2-core machine where
 * the whole configuration's dry run did not finish. A chunk that names its `tests` also narrows the
 * test files to those (the domain chunks: their unit tests, not the workflow tests).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';

type Chunk = {
  name: string;
  /** The base configuration: which vitest config (and so which test files) the chunk runs. */
  base: 'stryker.guards.config.json' | 'stryker.config.json';
  files: string[];
  /**
   * Skip static mutants (code run at module load, e.g. schema construction), which every test of
   * the file must run again. Left off where the static code is the rule under test (the
   * transition tables).
   */
  ignoreStatic?: boolean;
  /**
   * The test files (vitest include globs) the chunk runs instead of its base's vitest config. The
   * domain's base config includes the workflow tests (dynalite and the local engine), whose dry run
   * and per-mutant runs took hours; a rule's own unit tests kill its mutants in seconds. Unset: the
   * base configuration's tests.
   */
  tests?: string[];
};

const dynamodb = (file: string) => `functions/adapters/dynamodb/${file}.ts`;
const domain = (file: string) => `functions/domain/${file}.ts`;
/** The state layer's dynalite tests: no workflow engine, no API harness. */
const adapterTests = ['test/functions/adapters/**/*.test.ts'];
/** The domain's unit tests: no network, a few milliseconds a file. Every domain chunk runs them. */
const domainTests = (...more: string[]) => [
  'test/functions/domain/**/*.test.ts',
  'test/domain/**/*.test.ts',
  ...more,
];

/** Priority order: the guarded writes first, then the rest of the state layer, then the domain. */
export const chunks: Chunk[] = [
  { name: 'guards-transitions', base: 'stryker.guards.config.json', files: [domain('transitions')] },
  { name: 'guards-lock', base: 'stryker.guards.config.json', files: [dynamodb('lock')] },
  // runs.ts in line ranges (Stryker's `file:from-to`), so a stopped run loses one range only; the
  // run endings (completeRun, failRun, interruptRun) first, then the start, the phases, the rest.
  { name: 'guards-runs-finish', base: 'stryker.guards.config.json', files: [`${dynamodb('runs')}:471-701`] },
  { name: 'guards-runs-start', base: 'stryker.guards.config.json', files: [`${dynamodb('runs')}:144-376`] },
  { name: 'guards-runs-phase', base: 'stryker.guards.config.json', files: [`${dynamodb('runs')}:377-470`] },
  {
    name: 'guards-runs-rest',
    base: 'stryker.guards.config.json',
    files: [`${dynamodb('runs')}:1-143`, `${dynamodb('runs')}:702-743`],
  },
  // The rest of the state layer: its own dynalite tests (test/functions/adapters), whose related
  // mode keeps those that import the chunk's files. The base config's workflow tests (dynalite and
  // the local engine, through repository.ts every file here) would make each mutant take minutes.
  {
    name: 'dynamodb-state',
    base: 'stryker.config.json',
    files: ['environments', 'organizations', 'repository', 'store', 'update-builder', 'items'].map(dynamodb),
    tests: adapterTests,
  },
  {
    name: 'dynamodb-records',
    base: 'stryker.config.json',
    files: [
      'alerts',
      'audit',
      'git-pushes',
      'clusters',
      'pages',
      'cursor',
      'keys',
      'errors',
      'table-schema',
      'context',
    ].map(dynamodb),
    tests: adapterTests,
  },
  {
    name: 'domain-run',
    base: 'stryker.config.json',
    files: [
      'phase-plan',
      'run',
      'run-id',
      'records',
      'spec-hash',
      'failure-cause',
      'workflow-events',
      'execution-name',
    ].map(domain),
    // The Step Functions starter (a fake client) is what reads the workflow events and execution names.
    tests: domainTests('test/functions/adapters/run-starter.test.ts'),
  },
  {
    name: 'domain-spec',
    base: 'stryker.config.json',
    ignoreStatic: true,
    files: [
      domain('environment-spec'),
      domain('logs'),
      domain('quota-allocation'),
      ...[
        'quota',
        'quantities',
        'cidr',
        'names',
        'versions',
        'aws',
        'issues',
        'locale',
        'logs',
        'ingress',
      ].map((file) => domain(`spec/${file}`)),
    ],
    tests: domainTests(),
  },
  {
    name: 'domain-access',
    base: 'stryker.config.json',
    files: ['authorization', 'organization', 'errors', 'model', 'hook-auth', 'hook-token'].map(domain),
    // The hook secrets check against a fake Secrets Manager: the only test of hook-auth's rotation rule.
    tests: domainTests('test/functions/hooks/hook-auth.test.ts'),
  },
  // Static mutants (schemas, the instance and alert tables, built at module load) re-run every
  // test of the chunk each: in domain-clusters 124 of 759 mutants, which Stryker estimated at 88%
  // of its time (hours at nice 19 on the shared machine). Skipped there and in the two chunks
  // below: they count as ignored (the "other" column), not in the score.
  {
    name: 'domain-clusters',
    base: 'stryker.config.json',
    ignoreStatic: true,
    files: [
      'cluster',
      'cluster-capacity',
      'cluster-placement',
      'cluster-api',
      'cluster-records',
      'cluster-namespaces',
      'cluster-event',
      'cluster-event-status',
      'cluster-event-argocd',
      'cluster-event-alertmanager',
      'cluster-hooks',
    ].map(domain),
    tests: domainTests(),
  },
  {
    name: 'domain-alerts',
    base: 'stryker.config.json',
    ignoreStatic: true,
    files: ['alert', 'alert-delivery', 'alert-platform'].map(domain),
    // The SNS publisher (a fake client) formats the alert's subject and attributes.
    tests: domainTests('test/functions/adapters/alert-publisher.test.ts'),
  },
  {
    name: 'domain-git',
    base: 'stryker.config.json',
    ignoreStatic: true,
    files: ['git-push', 'git-push-event'].map(domain),
    tests: domainTests(),
  },
];

const chunkDir = 'reports/mutation/chunks';
const reportOf = (chunk: Chunk) => `${chunkDir}/${chunk.name}.json`;

/**
 * A chunk's own vitest configuration when it names its tests: the base vitest config (environment,
 * pool, timeouts) with `include` replaced, not added to (vitest's mergeConfig would concatenate
 * it). It sits under reports/, which Stryker copies into its sandbox, and vitest resolves the globs
 * against the working directory (the sandbox's root), not the config file's directory.
 */
function writeVitestConfig(chunk: Chunk, baseConfig: string): string {
  const file = `${chunkDir}/${chunk.name}.vitest.config.ts`;
  const from = path.relative(chunkDir, baseConfig);
  writeFileSync(
    file,
    [
      `// Generated by bench/mutation-score.ts for the chunk ${chunk.name}: its base with its own tests.`,
      `import base from '${from}';`,
      `export default { ...base, test: { ...base.test, include: ${JSON.stringify(chunk.tests)} } };`,
      '',
    ].join('\n'),
  );
  return file;
}

/** The chunk's own Stryker configuration: its base with the files, report and incremental file its own. */
function writeChunkConfig(chunk: Chunk): string {
  const base: Record<string, unknown> = JSON.parse(readFileSync(chunk.base, 'utf8'));
  delete base.$schema;
  delete base._comment;
  const vitest = base.vitest as { configFile: string };
  const config = {
    ...base,
    mutate: chunk.files,
    concurrency: 1,
    coverageAnalysis: 'perTest',
    ignoreStatic: chunk.ignoreStatic ?? false,
    vitest: {
      ...vitest,
      configFile: chunk.tests ? writeVitestConfig(chunk, vitest.configFile) : vitest.configFile,
      related: true,
    },
    reporters: ['json', 'progress-append-only', 'clear-text'],
    jsonReporter: { fileName: reportOf(chunk) },
    incremental: true,
    incrementalFile: `${chunkDir}/${chunk.name}.incremental.json`,
    tempDirName: `.stryker-tmp/${chunk.name}`,
    cleanTempDir: 'always',
  };
  const file = `${chunkDir}/${chunk.name}.config.json`;
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

function runChunk(chunk: Chunk): Promise<number> {
  const config = writeChunkConfig(chunk);
  const log = `${chunkDir}/${chunk.name}.log`;
  const stryker = path.resolve('node_modules/.bin/stryker');
  console.log(`[${new Date().toISOString()}] chunk ${chunk.name} (${chunk.files.length} files), log ${log}`);
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', `exec nice -n 19 "${stryker}" run "${config}" >>"${log}" 2>&1`], {
      stdio: 'inherit',
    });
    child.on('exit', (code) => {
      console.log(`[${new Date().toISOString()}] chunk ${chunk.name} exited ${code}`);
      resolve(code ?? 1);
    });
  });
}

type Counts = { killed: number; timeout: number; survived: number; noCoverage: number; other: number };
type Mutant = {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number } };
};
type Report = { files: Record<string, { mutants: Mutant[] }> };

const empty = (): Counts => ({ killed: 0, timeout: 0, survived: 0, noCoverage: 0, other: 0 });

function add(counts: Counts, status: string): void {
  if (status === 'Killed') counts.killed += 1;
  else if (status === 'Timeout') counts.timeout += 1;
  else if (status === 'Survived') counts.survived += 1;
  else if (status === 'NoCoverage') counts.noCoverage += 1;
  else counts.other += 1; // CompileError, RuntimeError, Ignored, Pending: not counted in the score
}

/** Stryker's score: detected (killed + timeout) over valid (detected + survived + no coverage). */
const score = (c: Counts) => {
  const valid = c.killed + c.timeout + c.survived + c.noCoverage;
  return valid === 0 ? '–' : `${((100 * (c.killed + c.timeout)) / valid).toFixed(2)}%`;
};
const row = (name: string, c: Counts) =>
  `| ${name} | ${c.killed} | ${c.timeout} | ${c.survived} | ${c.noCoverage} | ${c.other} | ${score(c)} |`;

export function aggregate(selected: Chunk[]): string {
  const lines: string[] = [];
  const header = (what: string) => [
    `| ${what} | killed | timeout | survived | no coverage | other | score |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const total = empty();
  const perChunk: string[] = [];
  const perFile = new Map<string, Counts>();
  const survivors: string[] = [];
  const missing: string[] = [];
  for (const chunk of selected) {
    // A stopped chunk leaves no report, but Stryker writes what it finished to the incremental
    // file on the way out: counted, and the chunk marked partial.
    const incremental = `${chunkDir}/${chunk.name}.incremental.json`;
    const file = existsSync(reportOf(chunk)) ? reportOf(chunk) : incremental;
    if (!existsSync(file)) {
      missing.push(chunk.name);
      continue;
    }
    const partial = file === incremental;
    const report: Report = JSON.parse(readFileSync(file, 'utf8'));
    const chunkCounts = empty();
    for (const [source, { mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
      const fileCounts = empty();
      for (const mutant of mutants) {
        add(fileCounts, mutant.status);
        add(chunkCounts, mutant.status);
        add(total, mutant.status);
        if (mutant.status === 'Survived' || mutant.status === 'NoCoverage') {
          const at = `${source}:${mutant.location.start.line}:${mutant.location.start.column}`;
          const replacement = (mutant.replacement ?? '').replace(/\s+/g, ' ').slice(0, 100);
          survivors.push(`- ${at} ${mutant.status} ${mutant.mutatorName} → \`${replacement}\``);
        }
      }
      const merged = perFile.get(source) ?? empty();
      for (const key of Object.keys(merged) as (keyof Counts)[]) merged[key] += fileCounts[key];
      perFile.set(source, merged);
    }
    perChunk.push(row(partial ? `${chunk.name} (partial: stopped)` : chunk.name, chunkCounts));
  }
  lines.push(
    `Load average (1, 5, 15 min) at aggregation: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}`,
    '',
  );
  lines.push(...header('chunk'), ...perChunk, row('**total**', total), '');
  lines.push(
    ...header('file'),
    ...[...perFile].sort(([a], [b]) => a.localeCompare(b)).map(([source, counts]) => row(source, counts)),
    '',
  );
  if (missing.length > 0)
    lines.push(`Chunks with no report (not run or not finished): ${missing.join(', ')}`, '');
  lines.push(`Survived and not covered (${survivors.length}):`, ...survivors);
  return lines.join('\n');
}

/** The command line: chunk names, `--list`, `--aggregate` (see the module comment). */
export async function runMutation(args: readonly string[]): Promise<void> {
  const names = args.filter((arg) => !arg.startsWith('--'));
  const unknown = names.filter((name) => !chunks.some((chunk) => chunk.name === name));
  if (unknown.length > 0) throw new Error(`unknown chunk(s): ${unknown.join(', ')}`);
  const selected = names.length === 0 ? chunks : chunks.filter((chunk) => names.includes(chunk.name));
  mkdirSync(chunkDir, { recursive: true });
  if (args.includes('--list')) {
    for (const chunk of selected) {
      const tests = chunk.tests ? `; tests ${chunk.tests.join(' ')}` : '';
      console.log(`${chunk.name} (${chunk.base}): ${chunk.files.join(' ')}${tests}`);
    }
    // A domain file added later and put in no chunk would silently go unscored.
    const listed = new Set(chunks.flatMap((chunk) => chunk.files.map((file) => file.replace(/:.*$/, ''))));
    const unlisted = readdirSync('functions/domain', { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !/^(api|use-cases)\//.test(file))
      .map((file) => `functions/domain/${file}`)
      .filter((file) => !listed.has(file));
    console.log(
      `functions/domain files in no chunk (api/ and use-cases/ aside): ${unlisted.join(' ') || 'none'}`,
    );
    const unlistedState = readdirSync('functions/adapters/dynamodb', { encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => `functions/adapters/dynamodb/${file}`)
      .filter((file) => !listed.has(file));
    console.log(`functions/adapters/dynamodb files in no chunk: ${unlistedState.join(' ') || 'none'}`);
    return;
  }
  if (!args.includes('--aggregate')) for (const chunk of selected) await runChunk(chunk);
  const summary = aggregate(selected);
  writeFileSync('reports/mutation/summary.md', `${summary}\n`);
  console.log(`\n${summary}`);
}

if (process.argv[1]?.endsWith('mutation-score.ts')) await runMutation(process.argv.slice(2));
