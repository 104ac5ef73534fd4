/**
 * `npm run openapi`: writes docs/openapi.json from the route table and schemas, then formats it
 * with the project's formatter (Biome) so `npm run lint` accepts the committed file as written.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderOpenApiDocument } from './openapi.js';

const target = fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url));
const biome = fileURLToPath(new URL('../../../node_modules/.bin/biome', import.meta.url));
writeFileSync(target, renderOpenApiDocument());
execFileSync(biome, ['format', '--write', target], { stdio: 'inherit' });
console.log(`wrote ${target}`);
