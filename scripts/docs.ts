// `npm run docs`: writes docs/checks.md (from the check registry) and docs/options.md (from the option
// schemas, the CLI's help and the environment table). test/unit/docs.test.ts fails when they are stale.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checksMarkdown } from './docs/checks.ts';
import { optionsMarkdown } from './docs/options.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Both documents, by their path in the repository. */
export async function generatedDocs(root = ROOT): Promise<Record<string, string>> {
  return { 'docs/checks.md': await checksMarkdown(), 'docs/options.md': optionsMarkdown(root) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [file, text] of Object.entries(await generatedDocs())) {
    writeFileSync(path.join(ROOT, file), text);
    console.log(`wrote ${file}`);
  }
}
