/**
 * Keeps the code in the guides identical to the tested examples. A guide embeds a file between
 *
 *   <!-- embed: tests/packing/examples/composeDetector.ts -->
 *   ```ts
 *   …the file, verbatim…
 *   ```
 *   <!-- /embed -->
 *
 * `--check` (run by `pnpm test`) fails when an embedded block differs from its file or when a
 * guide links to a repository file that does not exist; `--write` (`pnpm docs:examples`) copies
 * the files into the guides.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const mode = process.argv.includes('--write') ? 'write' : 'check';
const EMBED = /<!-- embed: (\S+) -->\n```(\w*)\n([\s\S]*?)```\n<!-- \/embed -->/g;

const stale: string[] = [];
let embeds = 0;
for (const name of readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'))) {
  const file = join(root, 'docs', name);
  const text = readFileSync(file, 'utf8');
  const updated = text.replace(EMBED, (_block, source: string, lang: string, code: string) => {
    embeds++;
    const wanted = readFileSync(join(root, source), 'utf8');
    if (code !== wanted && mode === 'check')
      stale.push(`docs/${name} embeds ${source}, but the block differs from the file`);
    return `<!-- embed: ${source} -->\n\`\`\`${lang || extname(source).slice(1)}\n${wanted}\`\`\`\n<!-- /embed -->`;
  });
  if (mode === 'write' && updated !== text) writeFileSync(file, updated);
  // Relative links outside code blocks must point at files that exist.
  const prose = text.replace(/```[\s\S]*?```/g, '');
  for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:|^#/.test(target)) continue;
    if (!existsSync(join(root, 'docs', target.split('#')[0]))) {
      stale.push(`docs/${name} links to ${target}, which does not exist`);
    }
  }
}
if (embeds === 0) {
  process.stderr.write('docs: no embedded examples found (expected docs/compose.md to embed one)\n');
  process.exitCode = 1;
} else if (stale.length > 0) {
  process.stderr.write(
    `${stale.join('\n')}\n(\`pnpm docs:examples\` copies the example files into the guides.)\n`,
  );
  process.exitCode = 1;
} else {
  process.stdout.write(
    `docs: ${embeds} embedded example(s) ${mode === 'write' ? 'written' : 'up to date'}\n`,
  );
}
