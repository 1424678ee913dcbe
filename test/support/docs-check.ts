import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * What the README and docs/ name that must exist in the code: `npm run` scripts, `-c` context
 * keys, environment variables, file paths, relative links and their #anchors. Each check
 * returns the problems it found, so a test can show one fails on a stale name.
 */
export interface Page {
  /** Relative to the project root, e.g. `docs/operations.md`. */
  file: string;
  text: string;
}

export interface Project {
  root: string;
  scripts: string[];
  /** The text of the code that may read a variable or a context key (no tests). */
  code: string;
  /** The text of the CDK app's code (bin/app.ts, infra/*.ts), where context keys are read. */
  cdkCode: string;
}

/**
 * Names in backticks that look like variables but are values or constants the docs mention
 * (DynamoDB's and the stack's), never read from the environment.
 */
const NOT_VARIABLES = new Set(['NOT_SET', 'ALL_OLD', 'KEYS_ONLY', 'PAY_PER_REQUEST']);

/**
 * Pages being written on other branches at the same time, linked from docs/operations.md.
 * A link to one of them may point nowhere until it is merged; once the page exists its links
 * and anchors are checked like any other's.
 */
export const PAGES_WRITTEN_ELSEWHERE = ['docs/console.md', 'docs/sources-and-catch-up.md'];

const FENCE = /^```[^\n]*\n[\s\S]*?^```/gm;

function walk(dir: string, keep: (file: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    return statSync(full).isDirectory() ? walk(full, keep) : keep(full) ? [full] : [];
  });
}

export function loadProject(root: string): Project {
  const read = (file: string) => readFileSync(file, 'utf8');
  const sources = ['bin', 'infra', 'dev', 'operator', 'functions', 'bench'].flatMap((dir) =>
    walk(path.join(root, dir), (file) => /\.(ts|mjs)$/.test(file)),
  );
  const packageJson = read(path.join(root, 'package.json'));
  return {
    root,
    scripts: Object.keys((JSON.parse(packageJson) as { scripts: Record<string, string> }).scripts),
    code: [...sources.map(read), packageJson, read(path.join(root, 'cdk.json'))].join('\n'),
    cdkCode: [path.join(root, 'bin', 'app.ts'), ...walk(path.join(root, 'infra'), (file) => file.endsWith('.ts'))].map(read).join('\n'),
  };
}

export function loadPages(root: string): Page[] {
  const docs = walk(path.join(root, 'docs'), (file) => file.endsWith('.md'));
  return [path.join(root, 'README.md'), ...docs].map((full) => ({
    file: path.relative(root, full).split(path.sep).join('/'),
    text: readFileSync(full, 'utf8'),
  }));
}

/** Every `npm run <script>` (and `npm start`, `npm test`) names a script in package.json. */
export function checkScripts(pages: Page[], project: Project): string[] {
  const problems: string[] = [];
  for (const page of pages) {
    for (const [, script, builtIn] of page.text.matchAll(/\bnpm (?:run ([\w:-]+)|(start|test)\b)/g)) {
      const name = (script ?? builtIn)!;
      if (!project.scripts.includes(name)) problems.push(`${page.file}: npm run ${name} is not a script in package.json`);
    }
  }
  return problems;
}

/** Every `-c <key>` is a context key the CDK app reads. */
export function checkContextKeys(pages: Page[], project: Project): string[] {
  const problems: string[] = [];
  for (const page of pages) {
    for (const [, key] of page.text.matchAll(/(?:^|[\s`(])-c\s+([A-Za-z][\w]*)/g)) {
      // Read as a quoted name (tryGetContext('…')), or declared as a deploy setting (infra/deploy-settings.ts: `name: { env: … }`).
      if (!new RegExp(`['"\`]${key}['"\`]|\\b${key}: \\{ env:`).test(project.cdkCode))
        problems.push(`${page.file}: -c ${key} is not a context key the CDK app reads`);
    }
  }
  return problems;
}

/**
 * Every environment variable named is read somewhere in the code: an UPPER_SNAKE name in
 * backticks, or `NAME=` in a command (which also catches one-word names such as PORT).
 */
export function checkVariables(pages: Page[], project: Project): string[] {
  const problems: string[] = [];
  for (const page of pages) {
    const names = new Set<string>();
    for (const [, span] of page.text.matchAll(/`([^`\n]+)`/g)) {
      if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(span!)) names.add(span!);
    }
    const commands = [...(page.text.match(FENCE) ?? []), ...[...page.text.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!)].join('\n');
    for (const [, name] of commands.matchAll(/(?:^|\s)([A-Z][A-Z0-9_]*)=/gm)) names.add(name!);
    for (const name of names) {
      if (NOT_VARIABLES.has(name)) continue;
      if (!new RegExp(`\\b${name}\\b`).test(project.code)) problems.push(`${page.file}: ${name} is not read anywhere in the code`);
    }
  }
  return problems;
}

/** Every file path in backticks (`functions/reconcile/decide.ts`, `test/events/stripe/`) exists. */
export function checkPaths(pages: Page[], project: Project): string[] {
  const problems: string[] = [];
  for (const page of pages) {
    for (const [, span] of page.text.matchAll(/`((?:bin|lib|functions|test|bench|docs)\/[^`\s]*)`/g)) {
      if (/[<>*…{}]/.test(span!)) continue;
      if (!existsSync(path.join(project.root, span!))) problems.push(`${page.file}: ${span} does not exist`);
    }
  }
  return problems;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of text.replace(FENCE, '').matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = slug(heading!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count ? `${base}-${count}` : base);
  }
  return result;
}

/** Every relative link resolves to a file or folder, and its #anchor to a heading of that page. */
export function checkLinks(pages: Page[], project: Project): string[] {
  const problems: string[] = [];
  for (const page of pages) {
    for (const [, target] of page.text.replace(FENCE, '').matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue;
      const [file = '', anchor] = target!.split('#');
      const resolved = file ? path.posix.normalize(path.posix.join(path.posix.dirname(page.file), file)) : page.file;
      const full = path.join(project.root, resolved);
      if (!existsSync(full)) {
        if (!PAGES_WRITTEN_ELSEWHERE.includes(resolved)) problems.push(`${page.file}: the link ${target} points to nothing`);
        continue;
      }
      if (anchor && resolved.endsWith('.md') && !anchors(readFileSync(full, 'utf8')).has(anchor)) {
        problems.push(`${page.file}: the link ${target} names no heading of ${resolved}`);
      }
    }
  }
  return problems;
}

/** The folders docs/architecture.md lists file by file, and which files of them it lists (sources, styles, settings, pages). */
const LISTED_FOLDERS = ['bin', 'infra', 'dev', 'operator', 'functions', 'bench', 'test/support'];
const LISTED_FILE = /\.(ts|mjs|css|html|json)$/;

/**
 * docs/architecture.md names every file of those folders under its own folder's heading (a
 * line `**`folder/`**`), the deepest heading that holds it: `operator/console/server.ts` under
 * `operator/console/`, not `operator/`.
 */
export function checkArchitectureList(project: Project): string[] {
  const sections = architectureSections(readFileSync(path.join(project.root, 'docs', 'architecture.md'), 'utf8'));
  return LISTED_FOLDERS.flatMap((dir) => walk(path.join(project.root, dir), (file) => LISTED_FILE.test(file)))
    .map((full) => path.relative(project.root, full).split(path.sep).join('/'))
    .flatMap((file) => {
      const folder = [...sections.keys()].filter((name) => file.startsWith(name)).sort((a, b) => b.length - a.length)[0];
      if (!folder) return [`docs/architecture.md has no heading for the folder of ${file}`];
      return sections.get(folder)!.includes(`\`${file}\``) ? [] : [`docs/architecture.md does not list ${file} under ${folder}`];
    });
}

/** Each folder heading of the page (`**`dev/`**`), with its text up to the next heading. */
function architectureSections(page: string): Map<string, string> {
  const sections = new Map<string, string>();
  const headings = [...page.matchAll(/^\*\*`([^`]+\/)`\*\*/gm)];
  headings.forEach((heading, index) => {
    sections.set(heading[1]!, page.slice(heading.index, headings[index + 1]?.index ?? page.length));
  });
  return sections;
}
