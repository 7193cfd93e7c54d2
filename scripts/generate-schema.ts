// `npm run schema`: writes resources/switchyard.schema.json from the zod
// workspace schema (src-proxy/config/json-schema.ts). `--check` only compares
// and exits 1 when the file is stale (the unit test does the same).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { workspaceJsonSchemaText } from '../src-proxy/config/json-schema.js';

const target = fileURLToPath(new URL('../resources/switchyard.schema.json', import.meta.url));
const text = workspaceJsonSchemaText();
const current = await readFile(target, 'utf8').catch(() => null);

if (process.argv.includes('--check')) {
  if (current !== text) {
    console.error(`${target} is out of date: run \`npm run schema\``);
    process.exit(1);
  }
  console.log(`${target} is up to date`);
} else if (current === text) {
  console.log(`${target} is up to date`);
} else {
  await writeFile(target, text, 'utf8');
  console.log(`wrote ${target}`);
}
